import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listBlueprints } from "../../src/blueprints/index.js";
import { analyze, type PlanReport } from "../../src/analysis/index.js";
import { blueprintModel } from "./analysis-helpers.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "plan");
const ids = (r: PlanReport) => r.findings.map((f) => f.id);
const plan = (name: string) => analyze(blueprintModel(name));

describe("plan of the four blueprints: golden reports", () => {
  for (const bp of listBlueprints()) {
    it(`${bp.name} matches test/golden/plan/${bp.name}.json (UPDATE_GOLDEN=1 regenerates)`, () => {
      const text = `${JSON.stringify(plan(bp.name), null, 2)}\n`;
      const file = join(GOLDEN, `${bp.name}.json`);
      if (process.env.UPDATE_GOLDEN) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, "utf8"));
    });
  }
});

describe("plan reports the issues the seeds list for each design", () => {
  it("design 0: the single server is a SPOF, maintenance means downtime, and the site cannot scale", () => {
    const r = plan("0");
    expect(ids(r)).toEqual(expect.arrayContaining(["spof.host.server-1", "maintenance.single-instance.app", "maintenance.single-instance.web", "scaling.no-horizontal", "scaling.collocated"]));
    expect(r.findings.find((f) => f.id === "spof.host.server-1")).toMatchObject({ severity: "critical", elements: ["server-1"] });
    expect(r.findings.filter((f) => f.id.startsWith("spof.host.")).map((f) => f.id)).toEqual(["spof.host.server-1"]);
  });

  it("design 1: the load balancer and the write primary are SPOFs; no firewall, no HTTPS, no monitoring", () => {
    const r = plan("1");
    expect(ids(r)).toEqual(expect.arrayContaining(["spof.host.lb-1", "spof.write.server-1", "security.no-firewall", "security.no-https", "monitoring.none"]));
    const lb = r.findings.find((f) => f.id === "spof.host.lb-1")!;
    expect(lb.evidence).toContain("lb-1 is the only host with role lb on the path from user");
    // server-2 only holds a replica: losing it costs capacity, not the site.
    expect(ids(r).some((id) => id.endsWith("server-2"))).toBe(false);
  });

  it("design 2: TLS ends at the load balancer, one write primary, identical servers, the load balancer is a SPOF", () => {
    const r = plan("2");
    expect(ids(r)).toEqual(expect.arrayContaining(["security.tls-terminated-at-lb", "spof.write.server-1", "scaling.collocated", "spof.host.lb-1"]));
    expect(r.findings.find((f) => f.id === "scaling.collocated")!.title).toBe("all servers carry the same components");
    expect(r.findings.find((f) => f.id === "security.tls-terminated-at-lb")!.evidence).toContain("lb-web");
    // Design 2 fixed what design 1 lacked.
    expect(ids(r)).not.toEqual(expect.arrayContaining(["security.no-firewall"]));
    expect(ids(r).filter((id) => ["security.no-firewall", "security.no-https", "monitoring.none"].includes(id))).toEqual([]);
  });

  it("design 3: no SPOF and nothing high or critical", () => {
    const r = plan("3");
    expect(ids(r).filter((id) => id.startsWith("spof."))).toEqual([]);
    expect(r.summary.critical + r.summary.high).toBe(0);
    // the failover's own single point is gone: controllers on every etcd member, one leading through a lease
    expect(ids(r).filter((id) => id.startsWith("failover."))).toEqual([]);
    expect(r.availability.site.availability).toBeGreaterThan(0.999);
  });

  it("orders findings worst first, and the summary counts them", () => {
    const r = plan("1");
    const order = ["critical", "high", "medium", "low", "info"];
    const ranks = r.findings.map((f) => order.indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(Object.values(r.summary).reduce((a, b) => a + b, 0)).toBe(r.findings.length);
  });
});
