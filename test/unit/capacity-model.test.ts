// The capacity model's arithmetic: Erlang C against known values, the M/M/c wait, the saturation it predicts and the
// servers per tier it answers.
import { describe, expect, it } from "vitest";
import { erlangC, planCapacity, predictP99, predictSaturation, currentConfig, tierLoad, waitQuantile, type TierDemand } from "../../src/analysis/capacity.js";

// Erlang C straight from its textbook closed form, to check the recursion against.
function erlangCDirect(c: number, a: number): number {
  let fact = 1;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    if (k > 0) fact *= k;
    sum += a ** k / fact;
  }
  const top = (a ** c / (fact * c)) * (c / (c - a));
  return top / (sum + top);
}

describe("Erlang C", () => {
  it("matches known values", () => {
    // M/M/1: the probability of waiting is the utilisation.
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12);
    expect(erlangC(1, 0.9)).toBeCloseTo(0.9, 12);
    // Two servers, one Erlang: 1/3.
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    // The call-centre table's classic: 10 agents, 8 Erlangs -> 40.9% of calls wait.
    expect(erlangC(10, 8)).toBeCloseTo(0.4092, 3);
    for (const [c, a] of [
      [3, 2.5],
      [5, 1],
      [20, 15],
      [50, 45],
    ] as const)
      expect(erlangC(c, a)).toBeCloseTo(erlangCDirect(c, a), 9);
    // Stable far past where factorials overflow.
    expect(erlangC(500, 480)).toBeGreaterThan(0);
    expect(erlangC(500, 480)).toBeLessThan(1);
  });

  it("is 0 with no load, 1 at or past full load, and refuses nonsense", () => {
    expect(erlangC(4, 0)).toBe(0);
    expect(erlangC(4, 4)).toBe(1);
    expect(erlangC(4, 9)).toBe(1);
    expect(() => erlangC(0, 1)).toThrow(/whole number/);
    expect(() => erlangC(1.5, 1)).toThrow(/whole number/);
    expect(() => erlangC(2, -1)).toThrow(/>= 0/);
  });

  it("gives the M/M/c wait's quantile: ln(C/(1-q))/(cμ-λ)", () => {
    // M/M/1 at λ=8, μ=10: C=0.8, p99 of the wait = ln(80)/2 s.
    expect(waitQuantile(1, 8, 10, 0.99)).toBeCloseTo(Math.log(80) / 2, 12);
    // Hardly anyone waits: the 99th percentile wait is zero.
    expect(waitQuantile(4, 0.1, 10, 0.99)).toBe(0);
    expect(waitQuantile(1, 10, 10, 0.99)).toBe(Infinity);
  });
});

const app: TierDemand = { tier: "app", hosts: ["app-1"], cpu: 0.25, demand: 0.002, busiestShare: 1, scalable: true };
const web: TierDemand = { tier: "web", hosts: ["web-1", "web-2"], cpu: 0.5, demand: 0.001, busiestShare: 0.5, scalable: true };
const db: TierDemand = { tier: "db", hosts: ["db-1", "db-2"], cpu: 0.5, demand: 0.0005, busiestShare: 1, scalable: false };

describe("the capacity model", () => {
  it("applies the utilisation law per tier: U = X·D / (servers·size)", () => {
    // 50 req/s x 2 ms on a quarter core: 0.1 s/s of 0.25 -> 40%; the tier alone is full at 125 req/s.
    const l = tierLoad(app, { tier: "app", servers: 1, cpu: 0.25 }, 50);
    expect(l.utilisation).toBeCloseTo(0.4, 12);
    expect(l.maxRate).toBeCloseTo(125, 9);
    expect(l.headroom).toBeCloseTo(1.5, 9);
    // A tier that cannot grow in count (the database primary) is one station on its busiest host.
    expect(tierLoad(db, { tier: "db", servers: 2, cpu: 0.5 }, 100).utilisation).toBeCloseTo(0.1, 12);
    expect(tierLoad(db, { tier: "db", servers: 2, cpu: 0.5 }, 100).maxRate).toBeCloseTo(1000, 9);
  });

  it("predicts the saturation where the modelled p99 meets the target, below the tier's full load", () => {
    const tiers = [app, web, db];
    const x = predictSaturation(tiers, currentConfig(tiers), 20, 200);
    expect(x).toBeGreaterThan(100);
    expect(x).toBeLessThan(125);
    expect(predictP99(tiers, currentConfig(tiers), 20, x).p99Ms).toBeCloseTo(200, 3);
    // Two app servers: more than 1.7x (M/M/2 pools its queue), still under 2x the full load of one.
    const two = predictSaturation(tiers, [{ tier: "app", servers: 2, cpu: 0.25 }, ...currentConfig([web, db])], 20, 200);
    expect(two / x).toBeGreaterThan(1.7);
    expect(two).toBeLessThan(250);
    // A base latency over the target: nothing sustains it.
    expect(predictSaturation(tiers, currentConfig(tiers), 250, 200)).toBe(0);
  });

  it("answers servers per tier for a rate and a target: each tier under full load, the p99 met, the fewest that do", () => {
    const tiers = [app, web, db];
    const p = planCapacity(tiers, 20, 1000, 200);
    expect(p.unreachable).toBeNull();
    expect(p.p99Ms).toBeLessThanOrEqual(200);
    const a = p.tiers.find((t) => t.tier === "app")!;
    // 1000 req/s x 2 ms = 2 cores of work: at least 9 quarter-core servers (8 would be 100% busy).
    expect(a.servers).toBeGreaterThanOrEqual(9);
    expect(a.utilisation).toBeLessThan(1);
    // One fewer app server would miss the target or saturate.
    const fewer = predictP99(
      tiers,
      p.tiers.map((t) => ({ tier: t.tier, servers: t.tier === "app" ? t.servers - 1 : t.servers, cpu: t.cpu })),
      20,
      1000,
    );
    expect(fewer.p99Ms).toBeGreaterThan(200);
    // The database cannot grow in count: it grows in size when it would be past full load (1000 x 0.5 ms = 0.5 core).
    const d = p.tiers.find((t) => t.tier === "db")!;
    expect(d.servers).toBe(2);
    expect(d.cpu).toBeGreaterThan(0.5);
    expect(d.utilisation).toBeLessThan(1);
    expect(p.cores).toBeCloseTo(
      p.tiers.reduce((n, t) => n + t.servers * t.cpu, 0),
      9,
    );
  });

  it("says when the target cannot be met", () => {
    const p = planCapacity([app], 250, 10, 200);
    expect(p.unreachable).toMatch(/light load, 250 ms, already passes the target 200 ms/);
  });
});
