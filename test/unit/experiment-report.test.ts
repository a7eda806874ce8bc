// The report as a person reads it: the text and the SVG timeline, both made from the same typed value.
import { describe, expect, it } from "vitest";
import { Resvg } from "@resvg/resvg-js";
import { checkWrites } from "../../src/experiment/checkers/writes.js";
import { computeFigures, metricValues } from "../../src/experiment/figures.js";
import { formatReport } from "../../src/experiment/format.js";
import type { Operation } from "../../src/experiment/operations.js";
import type { ExperimentReport } from "../../src/experiment/report.js";
import { renderTimeline } from "../../src/experiment/svg.js";
import { evaluate, parseExpectation, type Expectation } from "../../src/experiment/expect.js";

const T0 = 2_000_000;

function report(): ExperimentReport {
  const ops: Operation[] = [];
  for (let t = 0; t < 10_000; t += 20) {
    const down = t >= 2000 && t < 2600;
    ops.push({ op: "read", path: "/", start: T0 + t, end: T0 + t + (down ? 1000 : 12), status: down ? null : 200, ok: !down, ...(down ? { error: "timeout", sent: true } : {}) });
  }
  for (let t = 10; t < 10_000; t += 100) {
    const down = t >= 2000 && t < 2600;
    ops.push({ op: "write", path: "/api/entries", start: T0 + t, end: T0 + t + 15, status: down ? null : 201, ok: !down, ...(down ? { error: "timeout" } : { id: t }), key: `k${t}`, sent: true });
  }
  const stored = new Map(ops.filter((o) => o.id !== undefined && o.key !== "k510").map((o) => [o.key!, o.id!]));
  const writes = checkWrites(ops, stored, "db-1");
  const figures = computeFigures(ops, { t0: T0, t1: T0 + 10_000, faultAt: T0 + 2000, healAt: T0 + 8000, healEnd: T0 + 8300 }, 500);
  const metrics = metricValues(figures, writes);
  const exps = ["downtime < 1s", "lostWrites == 0"].map((t) => parseExpectation(t) as Expectation);
  const expectations = exps.map((e) => evaluate(e, metrics[e.metric] ?? null));
  return {
    scenario: { name: "kill-lb", description: "Crash the load balancer.", source: "built-in kill-lb" },
    lab: "t",
    design: { name: "3-scale_up", loadBalancer: "active-passive", failover: "automatic", replication: "semisync" },
    startedAt: new Date(T0).toISOString(),
    durationMs: 10_000,
    load: { readsPerSecond: 50, writesPerSecond: 10, timeoutMs: 1000, slowMs: 500, reuseConnections: false, paths: ["/"] },
    steps: [
      { at: 2000, text: "kill lb-1 (active-lb)", action: "kill", hosts: ["lb-1"], startedAt: 2000, endedAt: 2030, ok: true, results: [] },
      { at: 8000, text: "heal everything", action: "heal", hosts: [], startedAt: 8000, endedAt: 8300, ok: true, results: [] },
    ],
    timing: { faultAt: 2000, healAt: 8000, healEnd: 8300 },
    figures,
    writes,
    metrics,
    expectations,
    passed: expectations.every((e) => e.passed),
    events: [{ t: 2400, kind: "failover", message: "lb-2 took the floating IP" }],
    notes: [],
    files: { operations: "/tmp/x" },
  };
}

describe("experiment report", () => {
  it("prints the figures, the lost write and the verdict as text", () => {
    const text = formatReport(report());
    expect(text).toMatch(/experiment kill-lb on 3-scale_up \(lab t\)\s+FAILED/);
    expect(text).toMatch(/downtime\s+600 ms from \+2\.00 s/);
    expect(text).toMatch(/94 acknowledged, 1 lost, 6 indeterminate \(0 of them committed\)/);
    expect(text).toMatch(/lost id 510 \(k510\)/);
    expect(text).toMatch(/✗ lostWrites == 0\s+measured 1/);
    expect(text).toMatch(/✓ downtime < 1s\s+measured 600 ms/);
    expect(text).toMatch(/failover\s+lb-2 took the floating IP/);
  });

  it("draws a timeline with the fault window, the steps and the failover", () => {
    const svg = renderTimeline(report());
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("kill lb-1 (active-lb)");
    expect(svg).toContain("lb-2 took the floating IP");
    expect(svg).toContain('fill="#d64545" fill-opacity="0.08"');
    expect((svg.match(/<title>/g) ?? []).length).toBeGreaterThan(90);
    const png = new Resvg(svg).render();
    expect(png.width).toBe(960);
  });
});
