// The saturation search's arithmetic: a step judged against the target, the tier that binds, a step's figures.
import { describe, expect, it } from "vitest";
import { bottleneckOf, judgeStep, latencySvg, searchSaturation, stepFigures, type SaturationReport } from "../../src/experiment/saturate.js";
import type { Operation } from "../../src/experiment/operations.js";

const target = { p99Ms: 200, maxErrorPct: 1 };
const step = { offered: 100, achieved: 99, requests: 600, p50Ms: 5, p99Ms: 40, errorPct: 0, generatorCores: 0.1, hosts: [] };

describe("a saturation step", () => {
  it("meets the target, or says which limit it passed", () => {
    expect(judgeStep(step, target)).toEqual({ ok: true });
    expect(judgeStep({ ...step, p99Ms: 201 }, target)).toEqual({ ok: false, why: "p99 201 ms passed the target 200 ms" });
    expect(judgeStep({ ...step, errorPct: 1.5 }, target).why).toMatch(/1\.5% of requests failed \(limit 1%\)/);
    expect(judgeStep({ ...step, p99Ms: null }, target).why).toBe("no request succeeded");
    // Open loop: a lab that answers fewer than it was sent is saturated even if what it answered was fast.
    expect(judgeStep({ ...step, achieved: 80 }, target).why).toMatch(/only 80 of 100 requests\/s/);
  });

  it("names the busiest tier against its size, averaged over its hosts; none without sizes", () => {
    expect(
      bottleneckOf([
        { host: "web-1", tier: "web", cores: 0.1, utilisation: 0.4 },
        { host: "web-2", tier: "web", cores: 0.1, utilisation: 0.6 },
        { host: "app-1", tier: "app", cores: 0.45, utilisation: 0.9 },
        { host: "lb-1", tier: "lb", cores: 0.5, utilisation: null },
      ]),
    ).toEqual({ tier: "app", utilisation: 0.9 });
    expect(bottleneckOf([{ host: "x", tier: "web", cores: 1, utilisation: null }])).toBeNull();
  });

  it("computes the answered rate, percentiles of successes only, and the error share", () => {
    const ops: Operation[] = [
      ...Array.from({ length: 98 }, (_, i) => ({ op: "read" as const, path: "/", start: i, end: i + 10, status: 200, ok: true })),
      { op: "read", path: "/", start: 0, end: 300, status: 200, ok: true },
      { op: "write", path: "/api/entries", start: 0, end: 1000, status: null, ok: false, error: "timeout" },
    ];
    const f = stepFigures(ops, 50, 2000);
    expect(f).toMatchObject({ achieved: 49.5, requests: 100, p50Ms: 10, errorPct: 1 });
    // Nearest rank: the 99th of 99 successes is the slow one.
    expect(f.p99Ms).toBe(300);
    expect(stepFigures([], 50, 2000)).toMatchObject({ achieved: 0, errorPct: 100, p99Ms: null });
  });

  it("draws latency against load with the target", () => {
    const r: SaturationReport = {
      lab: "t",
      design: "blueprint 0",
      target,
      steps: [
        { ...step, ok: true },
        { ...step, offered: 200, p99Ms: 400, ok: false, why: "x" },
      ],
      sustainable: 100,
      bottleneck: null,
      stoppedBecause: "x",
      dir: "/x",
    };
    const svg = latencySvg(r);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("p99 target 200 ms");
    expect(svg).toContain("sustainable: 100 req/s");
    expect((svg.match(/<polyline/g) ?? []).length).toBe(2);
  });
});

describe("the saturation search", () => {
  // A lab whose true saturation point is `cap` req/s: every step at or under it meets the target.
  const lab = (cap: number) => {
    const seen: number[] = [];
    return { seen, measure: async (rate: number) => (seen.push(rate), rate <= cap ? { ok: true } : { ok: false, why: `over ${cap}` }) };
  };
  const plan = { startRate: 20, factor: 1.5, maxSteps: 12, bisectSteps: 4, resolution: 0.05 };

  it("climbs ×factor to the first failing step, then bisects the bracket down to the resolution", async () => {
    const l = lab(137);
    const r = await searchSaturation(plan, l.measure);
    // The climb: 20, 30, 45, 68, 102, 153 (the first over 137).
    expect(l.seen.slice(0, 6)).toEqual([20, 30, 45, 68, 102, 153]);
    expect(r.rates.slice(0, 6).every((x) => x.stage === "climb")).toBe(true);
    expect(r.rates.slice(6).every((x) => x.stage === "bisect")).toBe(true);
    // Sustainable within 5% under the true point, never above it; the bracket holds the true point.
    expect(r.sustainable).toBeLessThanOrEqual(137);
    expect(r.sustainable!).toBeGreaterThanOrEqual(137 * 0.9);
    expect(r.failing!).toBeGreaterThan(137);
    expect((r.failing! - r.sustainable!) / r.sustainable!).toBeLessThanOrEqual(0.1);
    expect(r.stoppedBecause).toMatch(/over 137.*bracket/);
  });

  it("is not quantised by the step factor: configurations 1.8x apart measure about 1.8x apart", async () => {
    const a = await searchSaturation(plan, lab(100).measure);
    const b = await searchSaturation(plan, lab(180).measure);
    expect(b.sustainable! / a.sustainable!).toBeGreaterThan(1.7);
    expect(b.sustainable! / a.sustainable!).toBeLessThan(1.95);
  });

  it("stops at the target: no climb step after the first that failed, at most bisectSteps after it", async () => {
    for (const cap of [19, 25, 500, 5000]) {
      const l = lab(cap);
      const r = await searchSaturation({ ...plan, bisectSteps: 3 }, l.measure);
      const firstFail = r.rates.findIndex((x) => !x.ok && x.stage === "climb");
      if (firstFail >= 0) expect(r.rates.slice(firstFail + 1).every((x) => x.stage === "bisect")).toBe(true);
      expect(r.rates.filter((x) => x.stage === "bisect").length).toBeLessThanOrEqual(3);
      expect(r.rates.length).toBeLessThanOrEqual(plan.maxSteps + 3);
    }
    // Even the first step failed: nothing sustained, no bisection (there is no lower bound to bisect from).
    const none = await searchSaturation(plan, lab(10).measure);
    expect(none).toMatchObject({ sustainable: null, failing: 20 });
    expect(none.rates).toHaveLength(1);
    // Never failed within the steps allowed: the last step is the sustainable rate, and the report says why it stopped.
    const all = await searchSaturation({ ...plan, maxSteps: 3 }, lab(1e9).measure);
    expect(all).toMatchObject({ sustainable: 45, failing: null });
    expect(all.stoppedBecause).toMatch(/3 steps allowed/);
  });

  it("stops when a step says so (the generator would limit the next) and when its time bound runs out", async () => {
    const r = await searchSaturation(plan, async (rate) => (rate >= 45 ? { ok: true, stop: "generator busy" } : { ok: true }));
    expect(r.rates.map((x) => x.rate)).toEqual([20, 30, 45]);
    expect(r).toMatchObject({ sustainable: 45, stoppedBecause: "generator busy" });
    // A fake clock: each step takes 6 s; a 20 s bound lets 4 steps start (at 0, 6, 12, 18 s).
    let t = 0;
    const timed = await searchSaturation({ ...plan, maxMs: 20_000, now: () => t }, async () => ((t += 6000), { ok: true }));
    expect(timed.rates).toHaveLength(4);
    expect(timed.stoppedBecause).toMatch(/time bound \(20 s\)/);
    // The bound holds in the bisection too.
    t = 0;
    const bis = await searchSaturation({ ...plan, startRate: 100, maxMs: 20_000, now: () => t }, async (rate) => ((t += 6000), rate <= 160 ? { ok: true } : { ok: false }));
    expect(bis.rates.length).toBeLessThanOrEqual(4);
    expect(bis.stoppedBecause).toMatch(/time bound/);
  });

  it("with confirmFailures, runs a failed step again and counts it failed only if every run failed", async () => {
    // A lab good to 137 req/s whose first run of every rate over 60 is spoiled by a neighbour's burst.
    const runs = new Map<number, number>();
    const noisy = async (rate: number) => {
      const n = (runs.get(rate) ?? 0) + 1;
      runs.set(rate, n);
      return rate <= 137 && (rate <= 60 || n > 1) ? { ok: true } : { ok: false, why: "p99" };
    };
    const r = await searchSaturation({ ...plan, confirmFailures: 1 }, noisy);
    expect(r.sustainable).toBeGreaterThan(125);
    expect(r.sustainable).toBeLessThanOrEqual(137);
    // Each rate ran at most twice, and every failure on record was confirmed or is the last word.
    expect(Math.max(...runs.values())).toBeLessThanOrEqual(2);
    // Without confirmation the first burst ends the climb at 68: the answer is under half the truth.
    runs.clear();
    expect((await searchSaturation(plan, noisy)).sustainable).toBeLessThan(68);
  });
});
