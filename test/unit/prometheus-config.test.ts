// Monitoring configs: what Prometheus scrapes, the files each host gets, the exporters' command lines,
// and the real checkers: `promtool check config` and `amtool check-config`. Debian package: prometheus,
// prometheus-alertmanager (for amtool).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel, type Model } from "../../src/model/index.js";
import { loadStackYaml } from "../../src/spec/load.js";
import { PLACEHOLDER_SECRETS, renderHost } from "../../src/render/config/index.js";
import { MONITORING_FILES, scrapeJobs } from "../../src/render/config/prometheus.js";
import { SERVICES } from "../../src/runtime/services/index.js";
import type { ServiceContext } from "../../src/runtime/services/types.js";
import { nodeExporterArgs } from "../../src/runtime/services/node-exporter.js";
import { expectedTargets } from "../../src/monitoring/query.js";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const isRoot = process.getuid?.() === 0;
const bp = (name: string) => buildModel(loadBlueprint(name));
function design(yaml: string): Model {
  const r = loadStackYaml(yaml, "test.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return buildModel(r.value);
}
const CUSTOM = `
loadBalancer: { algorithm: leastconn }
servers: [{ roles: [web, app], count: 2 }]
app: { type: custom, command: "node server.js", port: 9000, usesDatabase: false }
monitoring: { system: prometheus }
`;
const DIRECT = `
servers: [{ name: node, roles: [web, app, db], count: 2 }]
tls: { mode: passthrough }
monitoring: { system: prometheus }
`;
const SECRETS = { mysqlRoot: "r00t", app: "app-pw", replication: "repl-pw", monitor: "mon-pw-123" };

const work = mkdtempSync(join(tmpdir(), "stacklab-prometheus-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fileOf = (model: Model, host: string, path: string) => renderHost(model, host, PLACEHOLDER_SECRETS).find((f) => f.path === path);

describe("what Prometheus scrapes", () => {
  it("design 3: node exporters everywhere, HAProxy, nginx and MariaDB exporters, the app over HTTPS", () => {
    const jobs = scrapeJobs(bp("3"));
    expect(jobs.map((j) => [j.job, j.targets.map((t) => t.instance)])).toEqual([
      ["node", ["lb-1", "lb-2", "web-1", "web-2", "app-1", "app-2", "db-1", "db-2", "mon-1"]],
      ["haproxy", ["lb-1", "lb-2"]],
      ["nginx", ["web-1", "web-2"]],
      ["app", ["app-1", "app-2"]],
      ["mysqld", ["db-1", "db-2"]],
      ["etcd", ["lb-1", "lb-2", "mon-1"]],
    ]);
    expect(jobs.find((j) => j.job === "app")).toMatchObject({ scheme: "https", targets: [{ address: "198.18.1.14:8000" }, { address: "198.18.1.15:8000" }] });
    expect(jobs.find((j) => j.job === "haproxy")?.targets[0]?.address).toBe("198.18.1.10:8405");
  });

  it("scrapes exactly the model's scrape flows, so the firewall opens every port it needs", () => {
    for (const model of [bp("2"), bp("3")]) {
      const flows = model.flows.filter((f) => f.protocol === "prometheus");
      const fromFlows = flows.flatMap((f) => f.to.hosts.map((h) => `${f.id}:${h}:${f.port}`)).sort();
      const fromJobs = scrapeJobs(model)
        .flatMap((j) => j.targets.map((t) => `${t.flow ?? j.flow}:${t.instance}:${t.address.split(":")[1]}`))
        .sort();
      expect(fromJobs).toEqual(fromFlows);
    }
  });

  it("design 2 scrapes the app in plain HTTP; a custom app is not scraped; no monitoring, no jobs", () => {
    expect(scrapeJobs(bp("2")).find((j) => j.job === "app")?.scheme).toBe("http");
    expect(scrapeJobs(design(CUSTOM)).map((j) => j.job)).toEqual(["node", "haproxy", "nginx"]);
    expect(scrapeJobs(bp("1"))).toEqual([]);
    expect(expectedTargets(bp("2"))).toContainEqual({ job: "mysqld", instance: "server-2" });
  });

  it("labels each target with its host name as instance and trusts the lab CA for HTTPS", () => {
    const cfg = parse(fileOf(bp("3"), "mon-1", MONITORING_FILES.prometheus)!.content) as {
      global: Record<string, string>;
      scrape_configs: { job_name: string; scheme: string; tls_config?: { ca_file: string }; static_configs: { targets: string[]; labels: { instance: string } }[] }[];
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    expect(cfg.global).toMatchObject({ scrape_interval: "2s", evaluation_interval: "2s" });
    const app = cfg.scrape_configs.find((c) => c.job_name === "app")!;
    expect(app.tls_config?.ca_file).toBe("/etc/ssl/stacklab/ca.crt");
    expect(app.static_configs[0]).toEqual({ targets: ["198.18.1.14:8000"], labels: { instance: "app-1" } });
    expect(cfg.rule_files).toEqual([MONITORING_FILES.rules]);
    expect(cfg.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(["127.0.0.1:9093"]);
  });
});

describe("monitoring files per host", () => {
  it("puts Prometheus, its rules and Alertmanager on the monitoring host, exporter credentials on db hosts", () => {
    const m = bp("3");
    const monitoringPaths = (host: string) =>
      renderHost(m, host, PLACEHOLDER_SECRETS)
        .map((f) => f.path)
        .filter((p) => p.startsWith("/etc/prometheus"));
    expect(monitoringPaths("mon-1")).toEqual([MONITORING_FILES.alertmanager, MONITORING_FILES.prometheus, MONITORING_FILES.rules]);
    expect(monitoringPaths("db-1")).toEqual([MONITORING_FILES.mysqldExporter]);
    expect(monitoringPaths("web-1")).toEqual([]);
  });

  it("gives the MariaDB exporter the monitor account over the socket, in a file only its owner reads", () => {
    const f = renderHost(bp("3"), "db-2", SECRETS).find((x) => x.path === MONITORING_FILES.mysqldExporter)!;
    expect(f.mode).toBe(0o600);
    expect(f.content).toMatch(/^user = monitor$/m);
    expect(f.content).toMatch(/^password = mon-pw-123$/m);
    expect(f.content).toMatch(/^socket = \/run\/mysqld\/mysqld.sock$/m);
    expect(f.content).not.toMatch(/^host/m);
    expect(fileOf(bp("3"), "db-2", MONITORING_FILES.mysqldExporter)!.content).toMatch(/^password = <secret:monitor>$/m);
  });

  it("renders no monitoring file for designs without monitoring", () => {
    for (const name of ["0", "1"]) {
      const m = bp(name);
      for (const h of m.hosts) expect(renderHost(m, h.name, PLACEHOLDER_SECRETS).filter((f) => f.path.startsWith("/etc/prometheus"))).toEqual([]);
    }
  });
});

describe("the monitoring services", () => {
  const ctx = (model: Model, host: string): ServiceContext => ({ lab: "t", model, host: model.hosts.find((h) => h.name === host)!, root: `/var/lib/stacklab/labs/t/hosts/${host}`, secrets: SECRETS });

  it("runs every monitoring kind the model declares (up no longer warns about them)", () => {
    for (const kind of ["prometheus", "alertmanager", "node-exporter", "nginx-exporter", "mysqld-exporter"] as const) expect(SERVICES[kind], kind).toBeDefined();
  });

  it("keeps the node exporter minimal, and reports addresses only on hosts that can hold a floating IP", () => {
    const m = bp("3");
    const lb = nodeExporterArgs(ctx(m, "lb-1"));
    expect(lb).toContain("--collector.disable-defaults");
    expect(lb).toContain("--collector.netdev.address-info");
    expect(lb).toContain(`--collector.textfile.directory=${MONITORING_FILES.textfileDir}`);
    expect(lb.filter((a) => /^--collector\.[a-z_]+$/.test(a)).sort()).toEqual(["--collector.cpu", "--collector.loadavg", "--collector.meminfo", "--collector.netdev", "--collector.textfile"]);
    expect(nodeExporterArgs(ctx(m, "web-1"))).not.toContain("--collector.netdev.address-info");
    expect(nodeExporterArgs(ctx(m, "web-1"))).toContain("--web.listen-address=198.18.1.12:9100");
  });

  it("runs the daemons as the prometheus user, each host with its own /var/lib/prometheus", () => {
    const m = bp("3");
    const prom = SERVICES.prometheus!.runScript(ctx(m, "mon-1"));
    expect(prom).toMatch(/^mountpoint -q \/var\/lib\/prometheus \|\| mount --bind '\/var\/lib\/stacklab\/labs\/t\/hosts\/mon-1\/var\/lib\/prometheus' \/var\/lib\/prometheus$/m);
    expect(prom).toMatch(/^exec chpst -u prometheus:prometheus prometheus --config.file=\/etc\/prometheus\/prometheus.yml .*--storage.tsdb.retention.time=2h/m);
    expect(SERVICES.alertmanager!.runScript(ctx(m, "mon-1"))).toMatch(/--cluster.listen-address= *$/m);
    expect(SERVICES["mysqld-exporter"]!.runScript(ctx(m, "db-1"))).toMatch(/--config.my-cnf=\/etc\/prometheus\/mysqld-exporter.cnf --web.listen-address=198.18.1.16:9104/);
    expect(SERVICES["nginx-exporter"]!.runScript(ctx(m, "web-2"))).toMatch(/-nginx.scrape-uri=http:\/\/127.0.0.1:8080\/stub_status -web.listen-address=198.18.1.13:9113/);
  });
});

// ---- real checkers ---------------------------------------------------------------------------

const models: [string, Model][] = [...listBlueprints().map((b) => [b.name, bp(b.name)] as [string, Model]), ["custom", design(CUSTOM)], ["direct", design(DIRECT)]];
const monitored = models.filter(([, m]) => m.monitoring.host);

/** Writes the monitoring host's /etc/prometheus under a folder; returns that folder. */
function writeEtcPrometheus(name: string, model: Model): string {
  const dir = join(work, name, "etc-prometheus");
  for (const f of renderHost(model, model.monitoring.host!, PLACEHOLDER_SECRETS).filter((x) => x.path.startsWith("/etc/prometheus/"))) {
    const target = join(dir, f.path.slice("/etc/prometheus/".length));
    mkdirSync(join(target, ".."), { recursive: true });
    writeFileSync(target, f.content);
  }
  return dir;
}

/**
 * promtool check config on the file at its real path: as root, in a private mount namespace with the
 * rendered folder over /etc/prometheus (so rule_files resolve); otherwise on a copy whose rule path is
 * rewritten to the folder.
 */
function checkConfig(dir: string): { status: number | null; out: string } {
  const r = isRoot
    ? spawnSync("unshare", ["--mount", "sh", "-c", `mount --bind '${dir}' /etc/prometheus && exec promtool check config /etc/prometheus/prometheus.yml`], { encoding: "utf8" })
    : (() => {
        const copy = join(dir, "prometheus.check.yml");
        writeFileSync(copy, readFileSync(join(dir, "prometheus.yml"), "utf8").replaceAll(MONITORING_FILES.rules, join(dir, "rules", "stacklab.yml")));
        return spawnSync("promtool", ["check", "config", copy], { encoding: "utf8" });
      })();
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!has("promtool"))("promtool check config", () => {
  it.each(monitored)("accepts the Prometheus config of %s, rules included", (name, model) => {
    const r = checkConfig(writeEtcPrometheus(name, model));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: 1 rule files found/);
    expect(r.out).not.toMatch(/FAILED|WARNING/);
  });

  it("rejects a broken config (the check can fail)", () => {
    const dir = writeEtcPrometheus("broken", bp("3"));
    writeFileSync(join(dir, "prometheus.yml"), readFileSync(join(dir, "prometheus.yml"), "utf8").replace("scrape_timeout: 1s", "scrape_timeout: 5s"));
    expect(checkConfig(dir).status).not.toBe(0);
  });
});

describe.skipIf(!has("amtool"))("amtool check-config", () => {
  it.each(monitored)("accepts the Alertmanager config of %s", (name, model) => {
    const path = join(writeEtcPrometheus(`${name}-am`, model), "alertmanager.yml");
    const r = spawnSync("amtool", ["check-config", path], { encoding: "utf8" });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });
});
