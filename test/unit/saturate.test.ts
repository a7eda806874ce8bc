// The saturation search's arithmetic: a step judged against the target, the tier that binds, a step's figures.
import { describe, expect, it } from "vitest";
import { bottleneckOf, judgeStep, latencySvg, stepFigures, type SaturationReport } from "../../src/experiment/saturate.js";
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
