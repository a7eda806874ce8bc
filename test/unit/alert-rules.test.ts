// The alert rules: which rules a design gets, `promtool check rules` on every rendered file, and
// `promtool test rules` with synthetic series for every rule: each must fire when its condition
// holds long enough, and stay quiet when it does not. Debian package: prometheus (for promtool).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel, type Model } from "../../src/model/index.js";
import { loadStackYaml } from "../../src/spec/load.js";
import { alertRules, recordingRules, renderAlertRules, type AlertRule } from "../../src/render/config/alert-rules.js";

const hasPromtool = spawnSync("sh", ["-c", "command -v promtool"]).status === 0;
const SKIP = hasPromtool ? undefined : "promtool not installed: apt-get install -y --no-install-recommends prometheus";
const title = (t: string) => (SKIP ? `${t} (skipped: ${SKIP})` : t);

function design(yaml: string): Model {
  const r = loadStackYaml(yaml, "test.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return buildModel(r.value);
}
const bp = (name: string) => buildModel(loadBlueprint(name));

const DIRECT = `
servers: [{ name: node, roles: [web, app, db], count: 2 }]
monitoring: { system: prometheus, errorRateAlert: 0.1 }
`;
const ACTIVE_ACTIVE = `
loadBalancer: { count: 2, ha: active-active }
servers: [{ roles: [web], count: 2 }, { roles: [app, db], count: 2 }]
tls: { mode: passthrough, internal: true }
monitoring: { system: prometheus, qpsAlert: 100 }
`;
const CUSTOM = `
loadBalancer: { algorithm: leastconn }
servers: [{ roles: [web, app], count: 2 }]
app: { type: custom, command: "node server.js", usesDatabase: false }
monitoring: { system: prometheus }
`;
const CUSTOM_DIRECT = `
servers: [{ roles: [web, app], count: 2 }]
app: { type: custom, command: "node server.js", usesDatabase: false }
monitoring: { system: prometheus, errorRateAlert: 0.1 }
`;

const work = mkdtempSync(join(tmpdir(), "stacklab-alert-rules-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8", timeout: 30_000, cwd: work });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Writes the design's rules file under a name, returns its path. */
function writeRules(name: string, model: Model): string {
  const path = join(work, `${name}.rules.yml`);
  writeFileSync(path, renderAlertRules(model).content);
  return path;
}

const names = (m: Model) => alertRules(m).map((r) => r.alert);

describe("which alert rules a design gets", () => {
  it("design 3 gets every kind of rule, design 2 all but the floating IP and failover ones", () => {
    expect(names(bp("3"))).toEqual([
      "HostDown",
      "ServiceDown",
      "BackendDown",
      "FloatingIpMoved",
      "FloatingIpDuplicated",
      "DatabaseDown",
      "ReplicationBroken",
      "ReplicationLagging",
      "EtcdMemberDown",
      "EtcdQuorumLost",
      "FailoverHappened",
      "HighQps",
      "HighErrorRate",
    ]);
    expect(names(bp("2"))).toEqual(["HostDown", "ServiceDown", "BackendDown", "DatabaseDown", "ReplicationBroken", "ReplicationLagging", "HighQps", "HighErrorRate"]);
  });

  it("designs without monitoring get no rules and no rules file content", () => {
    expect(alertRules(bp("0"))).toEqual([]);
    expect(alertRules(bp("1"))).toEqual([]);
  });

  it("takes the QPS and error-rate thresholds from the spec, and leaves out an alert the spec does not ask for", () => {
    const m = bp("3");
    expect(alertRules(m).find((r) => r.alert === "HighQps")?.expr).toBe("stacklab:site_qps > 500");
    expect(alertRules(m).find((r) => r.alert === "HighErrorRate")?.expr).toBe("stacklab:error_ratio > 0.05");
    expect(names(design(DIRECT))).not.toContain("HighQps");
    expect(names(design(ACTIVE_ACTIVE))).not.toContain("HighErrorRate");
  });

  it("measures errors at HAProxy when it speaks HTTP, else at the demo app, else not at all", () => {
    const ratio = (m: Model) => recordingRules(m).find((r) => r.record === "stacklab:error_ratio")?.expr ?? null;
    expect(ratio(bp("3"))).toMatch(/^sum\(rate\(haproxy_frontend_http_responses_total\{proxy="www",code="5xx"\}/);
    expect(ratio(design(DIRECT))).toMatch(/foobar_http_requests_total\{status=~"5\.\."\}/);
    expect(ratio(design(ACTIVE_ACTIVE))).toMatch(/foobar_http_requests_total/);
    expect(ratio(design(CUSTOM))).toMatch(/haproxy_frontend_http_responses_total/);
    expect(ratio(design(CUSTOM_DIRECT))).toBeNull();
    expect(names(design(CUSTOM_DIRECT))).not.toContain("HighErrorRate");
  });

  it("watches each floating IP of an active-active pair away from its own first holder", () => {
    const moved = alertRules(design(ACTIVE_ACTIVE)).find((r) => r.alert === "FloatingIpMoved")!;
    expect(moved.expr).toBe('node_network_address_info{address="198.18.0.100",instance!="lb-1"} or node_network_address_info{address="198.18.0.101",instance!="lb-2"}');
  });

  it.skipIf(SKIP)(title("promtool check rules accepts the rules of every blueprint and variant"), () => {
    const models: [string, Model][] = [
      ...listBlueprints().map((b) => [b.name, bp(b.name)] as [string, Model]),
      ["direct", design(DIRECT)],
      ["active-active", design(ACTIVE_ACTIVE)],
      ["custom", design(CUSTOM)],
      ["custom-direct", design(CUSTOM_DIRECT)],
    ];
    for (const [name, model] of models) {
      if (!model.monitoring.host) continue;
      const r = promtool(["check", "rules", writeRules(name, model)]);
      expect(r.status, `${name}: ${r.out}`).toBe(0);
      expect(r.out).toMatch(new RegExp(`SUCCESS: ${alertRules(model).length + recordingRules(model).length} rules found`));
    }
  });
});

// ---- promtool test rules -------------------------------------------------------------------

interface Series {
  series: string;
  values: string;
}

/** One scenario: input series, a time, and the alerts expected to fire then (none: stays quiet). */
interface Case {
  title: string;
  alert: string;
  series: Series[];
  at: string;
  fires: { labels: Record<string, string>; summary?: string }[];
}

/** The rule's annotation with $labels filled in (summaries using $value are given by the case). */
function expand(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, n: string) => labels[n] ?? "");
}

function testFile(rulesPath: string, rules: AlertRule[], cases: Case[]): string {
  const byName = new Map(rules.map((r) => [r.alert, r]));
  return stringify({
    rule_files: [rulesPath],
    evaluation_interval: "2s",
    tests: cases.map((c) => {
      const rule = byName.get(c.alert);
      if (!rule) throw new Error(`no rule ${c.alert}`);
      return {
        name: c.title,
        interval: "2s",
        input_series: c.series,
        alert_rule_test: [
          {
            eval_time: c.at,
            alertname: c.alert,
            exp_alerts: c.fires.map((f) => {
              const labels = { ...f.labels, severity: rule.severity };
              return { exp_labels: labels, exp_annotations: { summary: f.summary ?? expand(rule.summary, labels), description: expand(rule.description, labels) } };
            }),
          },
        ],
      };
    }),
  });
}

const node = (instance: string, values: string): Series => ({ series: `up{job="node",instance="${instance}"}`, values });
const VIP = "198.18.0.100";
const addrInfo = (instance: string, values: string): Series => ({
  series: `node_network_address_info{job="node",instance="${instance}",address="${VIP}",device="eth0",netmask="24",scope="global"}`,
  values,
});
const addrLabels = (instance: string) => ({ job: "node", instance, address: VIP, device: "eth0", netmask: "24", scope: "global" });
const slave = (metric: string, values: string): Series => ({ series: `mysql_slave_status_${metric}{job="mysqld",instance="db-2",master_host="198.18.1.16"}`, values });
const slaveLabels = { job: "mysqld", instance: "db-2", master_host: "198.18.1.16" };
const failover = (values: string): Series => ({ series: `stacklab_failover_last_timestamp_seconds{job="node",instance="mon-1",from="db-1",to="db-2"}`, values });
const haproxy5xx = (code: string, values: string): Series => ({ series: `haproxy_frontend_http_responses_total{job="haproxy",instance="lb-1",proxy="www",code="${code}"}`, values });

/** A series of the etcd job on one member. */
const etcd = (metric: string, instance: string, values: string) => ({ series: `${metric}{job="etcd",instance="${instance}"}`, values });

/** Scenarios for design 3, which has every rule: at least one firing and one quiet case per rule. */
const DESIGN3_CASES: Case[] = [
  { title: "a host whose node exporter stops answering", alert: "HostDown", series: [node("web-1", "1 1 0 0 0 0 0")], at: "10s", fires: [{ labels: { job: "node", instance: "web-1" } }] },
  { title: "one missed scrape is not a host down", alert: "HostDown", series: [node("web-1", "1 1 0 1 0 1 0")], at: "12s", fires: [] },
  {
    title: "an exporter that stops while its host answers",
    alert: "ServiceDown",
    series: [node("web-1", "1x8"), { series: 'up{job="nginx",instance="web-1"}', values: "1 1 0 0 0 0 0" }],
    at: "10s",
    fires: [{ labels: { job: "nginx", instance: "web-1" } }],
  },
  {
    title: "services of a host that is down are left to HostDown",
    alert: "ServiceDown",
    series: [node("web-1", "1 1 0 0 0 0 0"), { series: 'up{job="nginx",instance="web-1"}', values: "1 1 0 0 0 0 0" }],
    at: "10s",
    fires: [],
  },
  {
    title: "HAProxy marks a web server DOWN",
    alert: "BackendDown",
    series: [
      { series: 'haproxy_server_status{job="haproxy",instance="lb-1",proxy="web",server="web-2",state="DOWN"}', values: "0 0 1 1" },
      { series: 'haproxy_server_status{job="haproxy",instance="lb-1",proxy="web",server="web-2",state="UP"}', values: "1 1 0 0" },
      { series: 'haproxy_server_status{job="haproxy",instance="lb-1",proxy="web",server="web-1",state="UP"}', values: "1 1 1 1" },
    ],
    at: "4s",
    fires: [{ labels: { job: "haproxy", instance: "lb-1", proxy: "web", server: "web-2", state: "DOWN" } }],
  },
  {
    title: "every web server UP",
    alert: "BackendDown",
    series: [
      { series: 'haproxy_server_status{job="haproxy",instance="lb-1",proxy="web",server="web-2",state="DOWN"}', values: "0 0 0 0" },
      { series: 'haproxy_server_status{job="haproxy",instance="lb-1",proxy="web",server="web-2",state="UP"}', values: "1 1 1 1" },
    ],
    at: "4s",
    fires: [],
  },
  { title: "the floating IP shows up on lb-2", alert: "FloatingIpMoved", series: [addrInfo("lb-1", "1 1 stale"), addrInfo("lb-2", "_ _ 1 1 1")], at: "6s", fires: [{ labels: addrLabels("lb-2") }] },
  {
    title: "the floating IP on its first holder",
    alert: "FloatingIpMoved",
    series: [addrInfo("lb-1", "1x5"), { series: 'node_network_address_info{job="node",instance="lb-2",address="198.18.0.21",device="eth0",netmask="24",scope="global"}', values: "1x5" }],
    at: "6s",
    fires: [],
  },
  {
    title: "both load balancers hold the floating IP",
    alert: "FloatingIpDuplicated",
    series: [addrInfo("lb-1", "1x8"), addrInfo("lb-2", "_ _ 1 1 1 1 1 1")],
    at: "10s",
    fires: [{ labels: { address: VIP }, summary: `floating IP ${VIP} is held by 2 hosts` }],
  },
  { title: "a hand-over where both hold it for one scrape", alert: "FloatingIpDuplicated", series: [addrInfo("lb-1", "1 1 1 stale"), addrInfo("lb-2", "_ _ 1 1 1 1")], at: "10s", fires: [] },
  {
    title: "MariaDB stops answering its exporter",
    alert: "DatabaseDown",
    series: [{ series: 'mysql_up{job="mysqld",instance="db-1"}', values: "1 1 0 0 0 0" }],
    at: "10s",
    fires: [{ labels: { job: "mysqld", instance: "db-1" } }],
  },
  { title: "MariaDB answering", alert: "DatabaseDown", series: [{ series: 'mysql_up{job="mysqld",instance="db-1"}', values: "1x6" }], at: "10s", fires: [] },
  {
    title: "the replica's IO thread stops (primary gone)",
    alert: "ReplicationBroken",
    series: [slave("slave_io_running", "1 1 0 0 0 0"), slave("slave_sql_running", "1x6")],
    at: "10s",
    fires: [{ labels: slaveLabels }],
  },
  {
    title: "the replica's SQL thread stops (an apply error)",
    alert: "ReplicationBroken",
    series: [slave("slave_io_running", "1x6"), slave("slave_sql_running", "1 1 0 0 0 0")],
    at: "10s",
    fires: [{ labels: slaveLabels }],
  },
  { title: "both threads running", alert: "ReplicationBroken", series: [slave("slave_io_running", "1x6"), slave("slave_sql_running", "1x6")], at: "10s", fires: [] },
  {
    title: "a replica falling behind",
    alert: "ReplicationLagging",
    series: [slave("seconds_behind_master", "0 0 10 12 14 16 18")],
    at: "10s",
    fires: [{ labels: slaveLabels, summary: "replica db-2 is 16 s behind" }],
  },
  { title: "a replica a few seconds behind", alert: "ReplicationLagging", series: [slave("seconds_behind_master", "0 2 4 5 3 1 0")], at: "10s", fires: [] },
  {
    title: "an etcd member stops answering",
    alert: "EtcdMemberDown",
    series: [etcd("up", "db-2", "1 1 0 0 0 0 0"), etcd("etcd_server_has_leader", "db-1", "1x6")],
    at: "10s",
    fires: [{ labels: { job: "etcd", instance: "db-2" } }],
  },
  {
    title: "every etcd member up with a leader",
    alert: "EtcdMemberDown",
    series: [...["db-1", "db-2", "mon-1"].flatMap((h) => [etcd("up", h, "1x6"), etcd("etcd_server_has_leader", h, "1x6")])],
    at: "10s",
    fires: [],
  },
  {
    title: "two of three etcd members lose the leader: no quorum",
    alert: "EtcdQuorumLost",
    series: [
      ...["db-1", "db-2", "mon-1"].map((h) => etcd("up", h, "1x6")),
      etcd("etcd_server_has_leader", "db-1", "1x6"),
      etcd("etcd_server_has_leader", "db-2", "1 1 0 0 0 0"),
      etcd("etcd_server_has_leader", "mon-1", "1 1 0 0 0 0"),
    ],
    at: "10s",
    fires: [{ labels: {} }],
  },
  {
    title: "one etcd member down: the other two keep the quorum",
    alert: "EtcdQuorumLost",
    series: [etcd("up", "db-1", "1 1 0 0 0 0"), etcd("up", "db-2", "1x6"), etcd("up", "mon-1", "1x6"), ...["db-2", "mon-1"].map((h) => etcd("etcd_server_has_leader", h, "1x6"))],
    at: "10s",
    fires: [],
  },
  {
    title: "the controller records a failover",
    alert: "FailoverHappened",
    series: [failover("_ _ _ 6x10")],
    at: "8s",
    fires: [{ labels: { job: "node", instance: "mon-1", from: "db-1", to: "db-2" } }],
  },
  { title: "a failover long ago", alert: "FailoverHappened", series: [failover("6x300")], at: "400s", fires: [] },
  {
    title: "web servers answering 1200 requests/s together",
    alert: "HighQps",
    series: [
      { series: 'nginx_http_requests_total{job="nginx",instance="web-1"}', values: "0+1200x10" },
      { series: 'nginx_http_requests_total{job="nginx",instance="web-2"}', values: "0+1200x10" },
    ],
    at: "14s",
    fires: [{ labels: {}, summary: "the site serves 1.2k requests/s (limit 500)" }],
  },
  { title: "400 requests/s", alert: "HighQps", series: [{ series: 'nginx_http_requests_total{job="nginx",instance="web-1"}', values: "0+800x10" }], at: "14s", fires: [] },
  {
    title: "one answer in five is a 5xx",
    alert: "HighErrorRate",
    series: [haproxy5xx("5xx", "0+20x10"), haproxy5xx("2xx", "0+80x10"), haproxy5xx("3xx", "0x10")],
    at: "16s",
    fires: [{ labels: {}, summary: "20% of answers are server errors (limit 5%)" }],
  },
  { title: "1% of answers are 5xx", alert: "HighErrorRate", series: [haproxy5xx("5xx", "0+1x10"), haproxy5xx("2xx", "0+99x10")], at: "16s", fires: [] },
  { title: "no traffic at all (0/0) is not an error rate", alert: "HighErrorRate", series: [haproxy5xx("5xx", "0x10"), haproxy5xx("2xx", "0x10")], at: "16s", fires: [] },
];

/** The error ratio measured at the demo app when no HTTP load balancer stands in front. */
const DIRECT_CASES: Case[] = [
  {
    title: "the app answers 30% 500s",
    alert: "HighErrorRate",
    series: [
      { series: 'foobar_http_requests_total{job="app",instance="node-1",route="/",method="GET",status="500"}', values: "0+30x10" },
      { series: 'foobar_http_requests_total{job="app",instance="node-1",route="/",method="GET",status="200"}', values: "0+70x10" },
    ],
    at: "16s",
    fires: [{ labels: {}, summary: "30% of answers are server errors (limit 10%)" }],
  },
  {
    title: "the app answers 404s, which are not server errors",
    alert: "HighErrorRate",
    series: [
      { series: 'foobar_http_requests_total{job="app",instance="node-1",route="/",method="GET",status="404"}', values: "0+30x10" },
      { series: 'foobar_http_requests_total{job="app",instance="node-1",route="/",method="GET",status="200"}', values: "0+70x10" },
    ],
    at: "16s",
    fires: [],
  },
];

describe.skipIf(SKIP)(title("promtool test rules"), () => {
  it.each([
    ["3-scale_up", bp("3"), DESIGN3_CASES],
    ["direct", design(DIRECT), DIRECT_CASES],
  ] as [string, Model, Case[]][])("every rule of %s fires on its condition and stays quiet without it", (name, model, cases) => {
    const rules = alertRules(model);
    const path = writeRules(name, model);
    const testPath = join(work, `${name}.test.yml`);
    writeFileSync(testPath, testFile(path, rules, cases));
    const r = promtool(["test", "rules", testPath]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
  });

  it("has a firing and a quiet scenario for every rule of design 3", () => {
    for (const rule of alertRules(bp("3"))) {
      const cases = DESIGN3_CASES.filter((c) => c.alert === rule.alert);
      expect(
        cases.some((c) => c.fires.length > 0),
        `${rule.alert} has no firing scenario`,
      ).toBe(true);
      expect(
        cases.some((c) => c.fires.length === 0),
        `${rule.alert} has no quiet scenario`,
      ).toBe(true);
    }
  });

  it("fails when a rule would not fire (the harness can tell)", () => {
    const model = bp("3");
    const path = writeRules("broken", model);
    const testPath = join(work, "broken.test.yml");
    writeFileSync(testPath, testFile(path, alertRules(model), [{ ...DESIGN3_CASES[1]!, title: "claims one missed scrape fires", fires: [{ labels: { job: "node", instance: "web-1" } }] }]));
    expect(promtool(["test", "rules", testPath]).status).not.toBe(0);
  });
});
