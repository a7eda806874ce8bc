import { describe, expect, it } from "vitest";
import { analyze, buildPathGraph, evaluate, type PlanReport } from "../../src/analysis/index.js";
import { blueprintModel, modelOf, tieredSpec } from "./analysis-helpers.js";

const ids = (r: PlanReport) => r.findings.map((f) => f.id);
const spofs = (r: PlanReport) => ids(r).filter((id) => id.startsWith("spof."));
const find = (r: PlanReport, id: string) => r.findings.find((f) => f.id === id);

describe("single points of failure on designs between the blueprints", () => {
  it("two load balancers on a floating IP with a manually failed-over database: the write primary is the only SPOF", () => {
    const r = analyze(modelOf(tieredSpec()));
    expect(spofs(r)).toEqual(["spof.write.db-1"]);
    expect(find(r, "spof.write.db-1")).toMatchObject({ severity: "high", elements: ["db-1"] });
    expect(find(r, "spof.write.db-1")!.impact).toContain("reads from db-2");
  });

  it("two load balancers but a single database host: that host is the only SPOF, and it stops reads too", () => {
    const r = analyze(
      modelOf(
        tieredSpec({
          servers: [
            { roles: ["web"], count: 2 },
            { roles: ["app"], count: 2 },
            { roles: ["db"], count: 1 },
          ],
          database: { replication: "none" },
        }),
      ),
    );
    expect(spofs(r)).toEqual(["spof.host.db-1"]);
    expect(find(r, "spof.host.db-1")!.evidence).toContain("db-1 is the only host with role db");
    expect(ids(r)).toContain("maintenance.single-instance.db");
  });

  it("automatic failover removes the write SPOF but notes that it depends on the controller host", () => {
    const r = analyze(modelOf(tieredSpec({ database: { replication: "semisync", failover: "automatic" } })));
    expect(spofs(r)).toEqual([]);
    expect(find(r, "failover.controller")).toMatchObject({ severity: "medium", elements: ["mon-1", "db-1"] });
    expect(ids(r)).not.toContain("failover.async");
  });

  it("automatic failover over async replication warns that writes can be lost", () => {
    const r = analyze(modelOf(tieredSpec({ database: { replication: "async", failover: "automatic" } })));
    expect(find(r, "failover.async")?.severity).toBe("medium");
  });

  it("without monitoring the controller runs on the first load balancer, whose loss alone cuts nothing", () => {
    const r = analyze(modelOf(tieredSpec({ monitoring: { system: "none" }, database: { replication: "semisync", failover: "automatic" } })));
    expect(spofs(r)).toEqual([]);
    expect(find(r, "failover.controller")!.title).toContain("lb-1");
  });

  it("the path graph: losing both load balancers stops everything; losing the primary and etcd's quorum stops only writes", () => {
    const model = blueprintModel("3");
    const graph = buildPathGraph(model);
    expect(evaluate(graph, new Set(["lb-1"]))).toMatchObject({ read: true, write: true });
    expect(evaluate(graph, new Set(["lb-1", "lb-2"]))).toMatchObject({ read: false, write: false });
    expect(evaluate(graph, new Set(["db-1"]))).toMatchObject({ read: true, write: true });
    // etcd on lb-1, lb-2 and mon-1: one of them down with the primary still leaves a quorum, two do not
    expect(evaluate(graph, new Set(["db-1", "mon-1"]))).toMatchObject({ read: true, write: true });
    expect(evaluate(graph, new Set(["db-1", "mon-1", "lb-2"]))).toMatchObject({ read: true, write: false });
    expect(evaluate(graph, new Set(["web-1", "app-2"]))).toMatchObject({ read: true, write: true });
  });

  it("two web servers each with its own address in DNS and no load balancer: no entry SPOF, the single database is", () => {
    const r = analyze(
      modelOf({
        servers: [
          { roles: ["web", "app"], count: 2 },
          { roles: ["db"], count: 1 },
        ],
      }),
    );
    expect(spofs(r)).toEqual(["spof.host.db-1"]);
    expect(ids(r)).not.toContain("scaling.no-horizontal");
  });

  it("a www record pointing at a private host leaves no path at all", () => {
    const r = analyze(modelOf(tieredSpec({ dns: { records: [{ name: "www", target: "app-1" }] } })));
    expect(find(r, "path.broken")).toMatchObject({ severity: "critical" });
    expect(r.availability.site.availability).toBe(0);
  });
});

describe("collocation, security and monitoring rules", () => {
  it("a custom design with web and app on the same servers: collocation is low severity when the database is apart", () => {
    const r = analyze(
      modelOf(
        tieredSpec({
          servers: [
            { roles: ["web", "app"], count: 2 },
            { roles: ["db"], count: 2 },
          ],
        }),
      ),
    );
    expect(find(r, "scaling.collocated")).toMatchObject({ severity: "low", elements: ["server-1", "server-2"] });
    expect(spofs(r)).toEqual(["spof.write.db-1"]);
  });

  it("collocating the database with other roles is medium", () => {
    const r = analyze(
      modelOf(
        tieredSpec({
          servers: [
            { roles: ["web"], count: 2 },
            { roles: ["app", "db"], count: 2 },
          ],
        }),
      ),
    );
    expect(find(r, "scaling.collocated")?.severity).toBe("medium");
  });

  it("TLS passthrough: no termination finding, but internal hops without tls.internal are plaintext", () => {
    const r = analyze(modelOf(tieredSpec({ tls: { mode: "passthrough" } })));
    expect(ids(r)).not.toContain("security.tls-terminated-at-lb");
    // the database proxies' checks of the agents are one more plaintext hop without tls.internal
    expect(find(r, "security.plaintext-internal")!.elements).toEqual(["web-app", "app-db", "db-replication", "dbproxy-agent"]);
  });

  it("a database host facing the public network is flagged, less severely behind a firewall", () => {
    const open = analyze(modelOf({ servers: [{ roles: ["web", "app", "db"] }], database: { replication: "none" } }));
    const guarded = analyze(modelOf({ servers: [{ roles: ["web", "app", "db"] }], database: { replication: "none" }, firewall: { policy: "default-deny" } }));
    expect(find(open, "security.db-public")?.severity).toBe("high");
    expect(find(guarded, "security.db-public")?.severity).toBe("medium");
    expect(find(analyze(blueprintModel("2")), "security.db-public")).toBeUndefined();
  });

  it("monitoring without a QPS or error-rate alert is reported", () => {
    const r = analyze(modelOf(tieredSpec({ monitoring: { system: "prometheus" } })));
    expect(find(r, "monitoring.no-error-alert")?.severity).toBe("medium");
    expect(find(r, "monitoring.no-qps-alert")?.severity).toBe("medium");
    const withQps = analyze(modelOf(tieredSpec({ monitoring: { system: "prometheus", qpsAlert: 100 } })));
    expect(ids(withQps)).not.toContain("monitoring.no-qps-alert");
    expect(ids(analyze(blueprintModel("3")))).not.toContain("monitoring.no-error-alert");
  });
});
