import { describe, expect, it } from "vitest";
import { analyze, buildPathGraph, duration, estimateAvailability, parseAvailabilityOverrides } from "../../src/analysis/index.js";
import { blueprintModel, modelOf, tieredSpec } from "./analysis-helpers.js";

const par = (...a: number[]) => 1 - a.reduce((q, x) => q * (1 - x), 1);

describe("availability estimate", () => {
  it("design 0: one server after the DNS provider, in series", () => {
    const est = analyze(blueprintModel("0")).availability;
    expect(est.method).toBe("exact");
    expect(est.site.availability).toBeCloseTo(0.99 * 0.9999, 12);
    expect(est.site.percent).toBe("98.9901%");
    expect(est.site.downtimePerYear).toBe("3.7 days");
  });

  it("design 1: a collocated host counts once — writes need server-1, reads need either server", () => {
    const est = analyze(blueprintModel("1")).availability;
    expect(est.site.availability).toBeCloseTo(0.9999 * 0.995 * 0.99, 12);
    expect(est.reads.availability).toBeCloseTo(0.9999 * 0.995 * par(0.99, 0.99), 12);
  });

  it("design 3: tiers in series, hosts of a tier in parallel, failover through the etcd quorum", () => {
    const est = analyze(blueprintModel("3")).availability;
    // db-1 up, or db-1 down with db-2 up and a quorum of etcd: 2 of lb-1 (99.5%), lb-2 (99.5%) and mon-1 (99%)
    const quorum = 0.995 * 0.995 + 2 * 0.995 * 0.005 * 0.99;
    const writes = 0.99 + 0.01 * 0.99 * quorum;
    const expected = 0.9999 * par(0.995, 0.995) * par(0.99, 0.99) * par(0.99, 0.99) * writes;
    // exact enumeration: lb-1 and lb-2 carry both the entry and two etcd members, so the product above (which
    // takes them as independent) is a little low; the two agree to 1e-6
    expect(est.site.availability).toBeCloseTo(expected, 6);
    expect(est.site.availability).toBeGreaterThan(expected);
    expect(est.hosts.map((h) => h.host)).toContain("mon-1");
  });

  it("overrides replace the assumptions and show in the report", () => {
    const est = analyze(blueprintModel("0"), { availability: parseAvailabilityOverrides(["server=0.995", "dns=99.999%"]) }).availability;
    expect(est.assumptions).toEqual({ server: 0.995, loadBalancer: 0.995, dns: 0.99999 });
    expect(est.site.availability).toBeCloseTo(0.995 * 0.99999, 12);
  });

  it("rejects overrides with unknown keys or values outside (0, 1)", () => {
    expect(() => parseAvailabilityOverrides(["cpu=0.9"])).toThrow(/KEY one of server, loadBalancer, dns/);
    expect(() => parseAvailabilityOverrides(["server=1.5"])).toThrow(/between 0 and 1/);
    expect(parseAvailabilityOverrides(["lb=0.9,server=0.8"])).toEqual({ loadBalancer: 0.9, server: 0.8 });
  });

  it("without collocated roles, series/parallel composition agrees with exact enumeration", () => {
    // design 3 without etcd (its members share the load balancers), failover through one controller on mon-1
    const m3 = blueprintModel("3");
    const model = { ...m3, database: { ...m3.database, etcd: [], controllers: ["mon-1"], controller: "mon-1" } };
    const exact = estimateAvailability(model);
    const composed = estimateAvailability(model, buildPathGraph(model), 0);
    expect(composed.method).toBe("series-parallel");
    expect(composed.site.availability).toBeCloseTo(exact.site.availability, 10);
    expect(composed.reads.availability).toBeCloseTo(exact.reads.availability, 10);
  });

  it("falls back to series/parallel beyond 20 hosts", () => {
    const big = modelOf(
      tieredSpec({
        servers: [
          { roles: ["web"], count: 10 },
          { roles: ["app"], count: 10 },
          { roles: ["db"], count: 2 },
        ],
      }),
    );
    const est = analyze(big).availability;
    expect(est.method).toBe("series-parallel");
    expect(est.methodNote).toMatch(/approximate/);
    const tier = (n: number) => par(...Array.from({ length: n }, () => 0.99));
    // Manual failover: writes need db-1 itself.
    expect(est.site.availability).toBeCloseTo(0.9999 * par(0.995, 0.995) * tier(10) * tier(10) * 0.99, 10);
    expect(est.reads.availability).toBeCloseTo(0.9999 * par(0.995, 0.995) * tier(10) * tier(10) * tier(2), 10);
  });

  it("writes downtime in the unit a reader expects", () => {
    expect(duration(0.001)).toBe("3.6 seconds");
    expect(duration(0.5)).toBe("30.0 minutes");
    expect(duration(5)).toBe("5.0 hours");
    expect(duration(96)).toBe("4.0 days");
  });
});
