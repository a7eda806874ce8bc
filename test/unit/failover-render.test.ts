// What the failover machinery adds to the model and the rendered files of each design.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { PLACEHOLDER_SECRETS, renderHost } from "../../src/render/config/index.js";
import { failoverSecrets, type AgentConfig } from "../../src/render/config/failover.js";
import { etcdArgs } from "../../src/render/config/etcd.js";
import { renderInitSql } from "../../src/runtime/services/mariadb-init.js";
import { nameValues, parseBatch, toObservation } from "../../src/failover/observe.js";
import { renderMetrics } from "../../src/failover/controller/metrics.js";

const model = (n: string) => buildModel(loadBlueprint(n));
const file = (m: ReturnType<typeof model>, host: string, path: string) => renderHost(m, host, PLACEHOLDER_SECRETS).find((f) => f.path === path);
const kinds = (m: ReturnType<typeof model>, host: string) => m.services.filter((s) => s.host === host).map((s) => s.kind);
const haproxyInstalled = spawnSync("haproxy", ["-v"]).status === 0;
/** The JSON of a config file under its comment header. */
const json = <T>(text: string) =>
  JSON.parse(
    text
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n"),
  ) as T;

describe("design 3 (automatic failover)", () => {
  const m = model("3-scale_up");
  it("runs an agent on each db host, a proxy on each app host and the controller on mon-1", () => {
    expect(kinds(m, "db-1")).toContain("db-agent");
    expect(kinds(m, "db-2")).toContain("db-agent");
    expect(kinds(m, "app-1")).toContain("db-proxy");
    expect(kinds(m, "mon-1")).toContain("failover-controller");
  });
  it("declares the flows the firewall must let through", () => {
    const flow = (id: string) => m.flows.find((f) => f.id === id);
    expect(flow("dbproxy-agent")).toMatchObject({ from: { hosts: ["app-1", "app-2"] }, to: { hosts: ["db-1", "db-2"] }, port: 9301 });
    // a controller beside each etcd member (lb-1, lb-2, mon-1): one flow per role of the controllers
    expect(flow("controller-agent")).toMatchObject({ from: { role: "lb", hosts: ["lb-1", "lb-2"] }, to: { hosts: ["db-1", "db-2"] }, port: 9302, protocol: "https", encrypted: true });
    expect(flow("controller-agent-monitor")).toMatchObject({ from: { role: "monitor", hosts: ["mon-1"] }, to: { hosts: ["db-1", "db-2"] }, port: 9302, protocol: "https", encrypted: true });
    expect(flow("etcd-peer-lb")).toMatchObject({ from: { hosts: ["lb-1", "lb-2", "mon-1"] }, to: { hosts: ["lb-1", "lb-2"] }, port: 2380, encrypted: true });
    expect(flow("etcd-client-monitor")).toMatchObject({ from: { hosts: ["lb-1", "lb-2", "mon-1"] }, to: { hosts: ["mon-1"] }, port: 2379, encrypted: true });
  });
  it("runs etcd with peer and client TLS from the lab CA, one member per host of database.etcd", () => {
    const args = etcdArgs(
      m,
      m.hosts.find((h) => h.name === "lb-2")!,
      "lab",
    );
    expect(args).toContain("--name=lb-2");
    expect(args).toContain("--client-cert-auth");
    expect(args).toContain("--peer-client-cert-auth");
    expect(args.find((a) => a.startsWith("--initial-cluster="))).toMatch(/^--initial-cluster=lb-1=https:\/\/[\d.]+:2380,lb-2=https:\/\/[\d.]+:2380,mon-1=https:\/\/[\d.]+:2380$/);
    const cfg = JSON.parse(file(m, "mon-1", "/etc/stacklab/failover-controller.json")!.content.replace(/^#.*$/gm, ""));
    expect(cfg.etcd.urls).toHaveLength(3);
    expect(cfg.etcd.tls).toMatchObject({ ca: "/etc/ssl/stacklab/ca.crt", cert: "/etc/ssl/stacklab/host.crt" });
  });
  it("points the app at its local proxy", () => {
    const env = file(m, "app-1", "/etc/stacklab/app.env")!.content;
    expect(env).toMatch(/^DB_PRIMARY=127\.0\.0\.1:3307$/m);
    expect(env).toMatch(/^DB_REPLICAS=127\.0\.0\.1:3308$/m);
  });
  it("starts every db host read-only, recovering as a replica, with lossless semi-sync", () => {
    for (const h of ["db-1", "db-2"]) {
      const cnf = file(m, h, "/etc/mysql/my.cnf")!.content;
      expect(cnf).toMatch(/^read_only = ON$/m);
      expect(cnf).toMatch(/^init_rpl_role = SLAVE$/m);
      expect(cnf).toMatch(/^rpl_semi_sync_master_wait_point = AFTER_SYNC$/m);
    }
  });
  it("gives the agent a local account that can fence and promote but reads no data", () => {
    const sql = renderInitSql(m, PLACEHOLDER_SECRETS, "");
    const grant = sql.split("\n").find((l) => l.includes("TO 'stacklab_agent'"));
    expect(grant).toMatch(/ON \*\.\* TO 'stacklab_agent'@'localhost'/);
    expect(grant).toMatch(/READ_ONLY ADMIN/);
    expect(grant).not.toMatch(/SELECT|INSERT|UPDATE|DELETE|SUPER|ALL PRIVILEGES/);
  });
  it("gives the clone account only a read of the app's schema and a position, from database hosts, over TLS", () => {
    const sql = renderInitSql(m, PLACEHOLDER_SECRETS, "").split("\n");
    const clone = sql.filter((l) => l.includes("'stacklab_clone'@"));
    const dbAddresses = m.hosts.filter((h) => h.roles.includes("db")).map((h) => h.interfaces.find((i) => i.network === "private")?.address);
    for (const a of dbAddresses) expect(clone.some((l) => l.includes(`'stacklab_clone'@'${a}'`))).toBe(true);
    expect(clone.filter((l) => /REQUIRE SSL/.test(l)).length).toBe(dbAddresses.length);
    const grants = clone.filter((l) => l.startsWith("GRANT"));
    expect(grants.filter((l) => l.includes("ON *.*")).every((l) => /^GRANT RELOAD, BINLOG MONITOR ON/.test(l))).toBe(true);
    expect(grants.join("\n")).not.toMatch(/INSERT|UPDATE|DELETE|DROP|SUPER|ALL PRIVILEGES/);
  });
  it("tells the controller whether to rebuild a diverged replica: yes by default, no with autoRebuild: false", () => {
    const cfg = (mm: typeof m) => json<{ autoRebuild: boolean }>(file(mm, "mon-1", "/etc/stacklab/failover-controller.json")!.content);
    expect(cfg(m).autoRebuild).toBe(true);
    const stack = loadBlueprint("3-scale_up");
    expect(cfg(buildModel({ ...stack, database: { ...stack.database, autoRebuild: false } })).autoRebuild).toBe(false);
  });
  it("renders the agents' config with the first primary bootstrapped, as a 0600 file", () => {
    const f = file(m, "db-1", "/etc/stacklab/db-agent.json")!;
    expect(f.mode).toBe(0o600);
    const cfg = json<AgentConfig>(f.content);
    expect(cfg).toMatchObject({ host: "db-1", bootstrapPrimary: true, selfFence: true, token: "<secret:failover-token>" });
    expect(json<AgentConfig>(file(m, "db-2", "/etc/stacklab/db-agent.json")!.content).bootstrapPrimary).toBe(false);
  });
  it.skipIf(!haproxyInstalled)("renders a database proxy config HAProxy accepts", () => {
    const dir = mkdtempSync(join(tmpdir(), "dbproxy-"));
    const cfg = file(m, "app-1", "/etc/haproxy/db-proxy.cfg")!.content;
    // the lab CA exists only inside a lab's hosts: any readable CA file stands in for the syntax check
    writeFileSync(join(dir, "db-proxy.cfg"), cfg.replaceAll("/etc/ssl/stacklab/ca.crt", "/etc/ssl/certs/ca-certificates.crt"));
    const r = spawnSync("haproxy", ["-c", "-f", join(dir, "db-proxy.cfg")], { encoding: "utf8" });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(cfg).toMatch(/tcp-check send "write\\n"/);
    // internal TLS: the check is TLS and names the agent's host
    expect(cfg).toMatch(/tcp-check connect port 9301 ssl/);
    expect(cfg).toMatch(/server db-1 \S+:3306 verifyhost db-1/);
    expect(cfg).toMatch(/bind 127\.0\.0\.1:3307/);
  });
});

describe("design 1 (manual failover) and design 0 (one database)", () => {
  it("design 1 gets agents and proxies but no controller, and no self-fencing", () => {
    const m = model("1-distributed_web_infrastructure");
    expect(kinds(m, "server-1")).toEqual(expect.arrayContaining(["db-agent", "db-proxy"]));
    expect(m.services.some((s) => s.kind === "failover-controller")).toBe(false);
    expect(m.flows.some((f) => f.id === "controller-agent")).toBe(false);
    expect(json<AgentConfig>(file(m, "server-1", "/etc/stacklab/db-agent.json")!.content).selfFence).toBe(false);
  });
  it("design 0 talks to its only database directly, which is writable from the start", () => {
    const m = model("0-simple_web_stack");
    expect(m.services.some((s) => s.kind === "db-agent" || s.kind === "db-proxy")).toBe(false);
    const host = m.hosts.find((h) => h.roles.includes("db"))!.name;
    expect(file(m, host, "/etc/stacklab/app.env")!.content).toMatch(/^DB_PRIMARY=198\.18\.\d+\.\d+:3306$/m);
    expect(file(m, host, "/etc/mysql/my.cnf")!.content).not.toMatch(/read_only/);
  });
});

describe("failover secrets, observations and metrics", () => {
  it("derives distinct secrets from the lab's root secret, never equal to it", () => {
    const s = failoverSecrets({ mysqlRoot: "root-secret", app: "a", replication: "r", monitor: "m" });
    expect(s.agent).not.toBe(s.token);
    expect([s.agent, s.token]).not.toContain("root-secret");
    expect(failoverSecrets({ mysqlRoot: "root-secret", app: "x", replication: "y", monitor: "z" })).toEqual(s);
  });
  it("reads the mariadb client's batch output into an observation", () => {
    const vars = parseBatch("hostname\tread_only\tgtid_binlog_pos\tgtid_current_pos\tgtid_slave_pos\ndb-2\t1\t0-1-7\t0-1-7\t0-1-7\n")[0]!;
    const status = nameValues(parseBatch("Variable_name\tValue\nRpl_semi_sync_slave_status\tON\nRpl_semi_sync_master_status\tOFF\n"));
    const replica = parseBatch("Master_Host\tSlave_IO_Running\tSlave_SQL_Running\tGtid_IO_Pos\tSeconds_Behind_Master\tLast_IO_Errno\nN.N.N.N\tConnecting\tYes\t0-1-7\tNULL\t2003\n")[0]!;
    const o = toObservation(1, vars, status, replica);
    expect(o).toMatchObject({ hostname: "db-2", readOnly: true, gtidBinlogPos: "0-1-7", semisync: { slaveStatus: true, masterStatus: false } });
    expect(o.replica).toMatchObject({ io: "Connecting", sqlRunning: true, secondsBehind: null, lastIoErrno: 2003 });
  });
  it("publishes the last failover for the FailoverHappened alert", () => {
    const text = renderMetrics({ primary: "db-2", state: "watching", lastFailover: { from: "db-1", to: "db-2", at: 1_700_000_000_000 }, failovers: 1 });
    expect(text).toMatch(/^stacklab_failover_last_timestamp_seconds\{from="db-1",to="db-2"\} 1700000000\.000$/m);
    expect(text).toMatch(/^stacklab_failover_primary\{host="db-2"\} 1$/m);
  });
});
