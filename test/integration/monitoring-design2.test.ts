// Monitoring on design 2 as a real lab: every exporter on the three-role servers is scraped, `metrics`
// prints a table, and crashing a server fires HostDown and BackendDown, shown by `status`.
import { describe, expect, it } from "vitest";
import { cli, isRoot, useLab, testLab } from "./helpers.js";
import { expectedTargets, labJson, waitForAlert, waitForTargetsUp } from "./monitoring-helpers.js";
import { buildModel } from "../../src/model/index.js";
import { loadBlueprint } from "../../src/blueprints/index.js";

const LAB = testLab("mx2t");
const model = buildModel(loadBlueprint("2-secured_and_monitored_web_infrastructure"));

describe.skipIf(!isRoot)("monitoring on design 2", () => {
  useLab(LAB, "2-secured_and_monitored_web_infrastructure", {
    check: (r) => expect(r.stdout + r.stderr).not.toMatch(/not yet running: (prometheus|alertmanager|node-exporter|nginx-exporter|mysqld-exporter)/),
  });

  it("scrapes node, nginx, app and MariaDB exporters on both servers, HAProxy on the load balancer", async () => {
    const expected = expectedTargets(model);
    expect(expected).toHaveLength(11);
    await waitForTargetsUp(LAB, expected);
  }, 60_000);

  it("prints an instant query as a table, and refuses a bad query with exit 2", () => {
    const r = cli(["metrics", 'up{job="haproxy"}', "--name", LAB]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^METRIC\s+INSTANCE\s+JOB\s+VALUE$/);
    expect(r.stdout).toMatch(/^up\s+lb-1\s+haproxy\s+1$/m);
    const bad = cli(["metrics", "up{", "--name", LAB]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Prometheus refused the query: .*parse error/);
  });

  it("records the site's QPS as stacklab:site_qps", async () => {
    // A small bounded burst from the visitor, then wait for scrapes and the recording rule to see it.
    cli(["exec", "--name", LAB, "user", "--", "bash", "-c", "for i in $(seq 1 40); do curl -sk -o /dev/null --max-time 2 https://www.foobar.com/; done"], 60_000);
    let qps = 0;
    let type = "";
    for (let i = 0; i < 20 && !(qps > 0); i++) {
      const r = labJson<{ resultType: string; result: { value: [number, string] }[] }>(["metrics", "stacklab:site_qps", "--name", LAB, "--json"]);
      type = r.resultType;
      qps = Number(r.result[0]?.value[1]);
      if (!(qps > 0)) await new Promise((res) => setTimeout(res, 1000));
    }
    expect(type).toBe("vector");
    expect(qps).toBeGreaterThan(0);
  }, 60_000);

  it("fires HostDown and BackendDown for a crashed server, and status shows them", async () => {
    expect(cli(["fault", "kill", "server-2", "--name", LAB]).code).toBe(0);
    const host = await waitForAlert(LAB, (a) => a.name === "HostDown");
    expect(host.labels.instance).toBe("server-2");
    const backend = await waitForAlert(LAB, (a) => a.name === "BackendDown");
    expect(backend.labels).toMatchObject({ instance: "lb-1", server: "server-2" });
    const text = cli(["status", "--name", LAB]).stdout;
    expect(text).toMatch(/BackendDown\s+critical\s+lb-1 took web server server-2 out of rotation/);
  }, 60_000);
});
