// Monitoring on design 3 as a real lab: every exporter scraped, and the alerts firing when their
// condition is produced: a bounded load burst, a stopped replication thread, a failover recorded by
// the controller's textfile, a crashed web server and a crashed load balancer.
import { describe, expect, it } from "vitest";
import { cli, inHost, isRoot, useLab, testLab } from "./helpers.js";
import { expectedTargets, labJson, waitForAlert, waitForTargetsUp, type Firing } from "./monitoring-helpers.js";
import { buildModel } from "../../src/model/index.js";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { renderMetrics } from "../../src/failover/controller/metrics.js";
import { MONITORING_FILES } from "../../src/render/config/prometheus.js";

// Beside the controller's own file (which it rewrites as it runs), in the same textfile folder and format.
const FAILOVER_TEXTFILE = `${MONITORING_FILES.textfileDir}/stacklab_failover_test.prom`;

const LAB = testLab("mx3t");
// job/instance pairs do not depend on the lab's address block
const model = buildModel(loadBlueprint("3-scale_up"));

describe.skipIf(!isRoot)("monitoring on design 3", () => {
  useLab(LAB, "3-scale_up", { check: (r) => expect(r.stdout + r.stderr).not.toMatch(/not yet running: (prometheus|alertmanager|node-exporter|nginx-exporter|mysqld-exporter)/) });

  it("scrapes every exporter of every host: each expected job/instance has up == 1", async () => {
    const up = await waitForTargetsUp(LAB, expectedTargets(model));
    // 17 exporters and servers, plus the three etcd members (lb-1, lb-2, mon-1).
    expect(up.length).toBe(20);
    const etcd = cli(["metrics", 'up{job="etcd"}', "--name", LAB]).stdout;
    expect(etcd.match(/^up\s+(lb-1|lb-2|mon-1)\s+etcd\s+1$/gm)).toHaveLength(3);
    const text = cli(["metrics", 'up{job="mysqld"}', "--name", LAB]).stdout;
    expect(text).toMatch(/^up\s+db-1\s+mysqld\s+1$/m);
  }, 60_000);

  it("reads the replicas' replication state and the load balancers' servers through the exporters", () => {
    const io = labJson<{ result: { metric: Record<string, string> }[] }>(["metrics", "mysql_slave_status_slave_io_running == 1", "--name", LAB, "--json"]);
    expect(io.result.map((r) => r.metric.instance)).toEqual(["db-2"]);
    const servers = labJson<{ result: unknown[] }>(["metrics", 'haproxy_server_status{state="UP"} == 1', "--name", LAB, "--json"]);
    expect(servers.result).toHaveLength(4);
  });

  it("shows no alert firing while everything is healthy", () => {
    const status = labJson<{ alerts: { firing: Firing[]; error?: string } }>(["status", "--name", LAB, "--json"]);
    expect(status.alerts.error).toBeUndefined();
    expect(status.alerts.firing).toEqual([]);
  });

  it("fires HighQps on a bounded burst of load from the user host, and Alertmanager receives it", async () => {
    // 4 seconds of wrk at most; nginx answers /healthz itself, so this is the web tier's QPS
    inHost(LAB, "user", ["wrk", "-t1", "-c8", "-d4s", "--timeout", "2s", `https://www.${model.domain}/healthz`], 30_000);
    const alert = await waitForAlert(LAB, (a) => a.name === "HighQps");
    expect(alert.summary).toMatch(/requests\/s \(limit 500\)/);
    const received = JSON.parse(inHost(LAB, "mon-1", ["curl", "-sf", "http://127.0.0.1:9093/api/v2/alerts"])) as { labels: Record<string, string> }[];
    expect(received.map((a) => a.labels.alertname)).toContain("HighQps");
  }, 60_000);

  it("fires ReplicationBroken when the replica's IO thread stops, and clears when it runs again", async () => {
    inHost(LAB, "db-2", ["mariadb", "-uroot", "-e", "STOP SLAVE IO_THREAD"]);
    try {
      const alert = await waitForAlert(LAB, (a) => a.name === "ReplicationBroken");
      expect(alert.labels.instance).toBe("db-2");
    } finally {
      inHost(LAB, "db-2", ["mariadb", "-uroot", "-e", "START SLAVE IO_THREAD"]);
    }
    await waitForAlert(LAB, (a) => a.name === "ReplicationBroken", { gone: true });
  }, 60_000);

  it("fires FailoverHappened when the controller's textfile records a failover (the contract in docs/monitoring.md)", async () => {
    // written the way the controller writes it: beside the file, then renamed over it
    const text = renderMetrics({ primary: "db-2", state: "watching", lastFailover: { from: "db-1", to: "db-2", at: Date.now() }, failovers: 1 });
    inHost(LAB, "mon-1", ["sh", "-c", `printf '%s' "$1" > ${FAILOVER_TEXTFILE}.tmp && mv ${FAILOVER_TEXTFILE}.tmp ${FAILOVER_TEXTFILE}`, "-", text]);
    const alert = await waitForAlert(LAB, (a) => a.name === "FailoverHappened");
    expect(alert.summary).toBe("database failover: db-2 replaced db-1 as primary");
    expect(alert.labels.instance).toBe("mon-1");
    inHost(LAB, "mon-1", ["rm", "-f", FAILOVER_TEXTFILE]);
  }, 60_000);

  it("fires BackendDown and HostDown when a web server crashes", async () => {
    expect(cli(["fault", "kill", "web-2", "--name", LAB]).code).toBe(0);
    const backend = await waitForAlert(LAB, (a) => a.name === "BackendDown" && a.labels.instance === "lb-1");
    expect(backend.labels.server).toBe("web-2");
    const host = await waitForAlert(LAB, (a) => a.name === "HostDown");
    expect(host.labels.instance).toBe("web-2");
    const text = cli(["status", "--name", LAB]).stdout;
    expect(text).toMatch(/alerts \(Prometheus on mon-1\): \d+ firing/);
    expect(text).toMatch(/HostDown\s+critical\s+host web-2 is down/);
  }, 60_000);

  it("fires FloatingIpMoved when the first load balancer crashes and lb-2 takes the floating IP", async () => {
    const before = labJson<{ hosts: { name: string; holds: string[] }[] }>(["status", "--name", LAB, "--json"]);
    const vip = before.hosts.find((h) => h.name === "lb-1")!.holds[0]!;
    expect(cli(["fault", "kill", "lb-1", "--name", LAB]).code).toBe(0);
    const moved = await waitForAlert(LAB, (a) => a.name === "FloatingIpMoved");
    expect(moved.labels).toMatchObject({ instance: "lb-2", address: vip });
    expect(moved.summary).toBe(`floating IP ${vip} moved to lb-2`);
  }, 60_000);
});
