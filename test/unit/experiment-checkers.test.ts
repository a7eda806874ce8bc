// The checkers on synthetic operation records: availability windows and downtime, percentiles, and writes
// (a planted lost write is caught; a write without an answer is indeterminate, never lost).
import { describe, expect, it } from "vitest";
import { allSucceeded, availability } from "../../src/experiment/checkers/availability.js";
import { percentile, phaseLatency } from "../../src/experiment/checkers/latency.js";
import { checkWrites, writeOutcome } from "../../src/experiment/checkers/writes.js";
import { computeFigures, meanInFlight, metricValues } from "../../src/experiment/figures.js";
import type { Operation } from "../../src/experiment/operations.js";

const T0 = 1_000_000;

/** A steady stream: one operation every `every` ms over [from, to), ok unless `failing(t)`; latency 10 ms. */
function stream(from: number, to: number, every: number, failing: (t: number) => boolean = () => false, op: "read" | "write" = "read"): Operation[] {
  const ops: Operation[] = [];
  for (let t = from; t < to; t += every) {
    const ok = !failing(t);
    ops.push({ op, path: "/", start: T0 + t, end: T0 + t + (ok ? 10 : 1000), status: ok ? 200 : null, ok, ...(ok ? {} : { error: "timeout", sent: true }) });
  }
  return ops;
}

describe("availability and downtime", () => {
  it("measures the longest run of failing windows, from the first failed request to the next success", () => {
    const ops = stream(0, 10_000, 20, (t) => t >= 3000 && t < 3500);
    const a = availability(ops, T0, T0 + 10_000);
    expect(a.downtimeMs).toBe(500);
    expect(a.downtimeFrom).toBe(3000);
    expect(a.failed).toBe(25);
    expect(a.availability).toBeCloseTo(95, 0);
    expect(a.downAtEnd).toBe(false);
  });

  it("keeps the longest of several outages and notices one that lasts to the end", () => {
    const ops = stream(0, 10_000, 10, (t) => (t >= 1000 && t < 1200) || t >= 9000);
    const a = availability(ops, T0, T0 + 10_000);
    expect(a.downtimeMs).toBe(1000);
    expect(a.downtimeFrom).toBe(9000);
    expect(a.downAtEnd).toBe(true);
  });

  it("does not count a partial outage (every other request failing) as downtime", () => {
    let i = 0;
    const ops = stream(0, 2000, 5, () => i++ % 2 === 1);
    const a = availability(ops, T0, T0 + 2000);
    expect(a.downtimeMs).toBe(0);
    expect(a.availability).toBeCloseTo(50, 0);
  });

  it("judges recovery by the last requests before the heal", () => {
    const ops = stream(0, 10_000, 20, (t) => t >= 2000 && t < 2400);
    expect(allSucceeded(ops, T0 + 7000, T0 + 8000)).toBe(true);
    expect(allSucceeded(ops, T0 + 2000, T0 + 3000)).toBe(false);
    expect(allSucceeded([], T0, T0 + 1000)).toBeNull();
  });
});

describe("latency", () => {
  it("uses nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it("splits latency into phases by start time and leaves failures out of the percentiles", () => {
    const ops = [...stream(0, 1000, 10), ...stream(1000, 2000, 10, () => true), ...stream(2000, 3000, 10)].map((o) => (o.start >= T0 + 2000 ? { ...o, end: o.start + 300 } : o));
    const during = phaseLatency(ops, T0 + 1000, T0 + 2000);
    expect(during).toMatchObject({ requests: 100, failed: 100, p50: null });
    expect(phaseLatency(ops, T0 + 2000, Infinity).p50).toBe(300);
    expect(phaseLatency(ops, -Infinity, T0 + 1000).p99).toBe(10);
  });
});

describe("writes (Jepsen's rule)", () => {
  const write = (n: number, extra: Partial<Operation>): Operation => ({
    op: "write",
    path: "/api/entries",
    start: T0 + n * 100,
    end: T0 + n * 100 + 20,
    status: 201,
    ok: true,
    id: n,
    key: `run-${n}`,
    sent: true,
    ...extra,
  });

  it("catches a planted lost write and lists it", () => {
    const ops = [1, 2, 3, 4].map((n) => write(n, {}));
    const stored = new Map([
      ["run-1", 1],
      ["run-2", 2],
      ["run-4", 4],
    ]);
    const w = checkWrites(ops, stored, "db-1");
    expect(w.acknowledged).toBe(4);
    expect(w.lost).toBe(1);
    expect(w.lostWrites).toEqual([{ id: 3, key: "run-3", start: T0 + 300 }]);
  });

  it("counts an acknowledged id that now holds another write as lost (an id reused after a failover)", () => {
    const w = checkWrites([write(5, {})], new Map([["run-5", 6]]), "db-2");
    expect(w.lost).toBe(1);
  });

  it("counts a write whose answer never came as indeterminate, never as lost, and notes whether it committed", () => {
    const ops = [write(1, {}), write(2, { ok: false, status: null, id: undefined, error: "timeout", sent: true }), write(3, { ok: false, status: 502, id: undefined, error: "502" })];
    const w = checkWrites(
      ops,
      new Map([
        ["run-1", 1],
        ["run-2", 2],
      ]),
      "db-1",
    );
    expect(w).toMatchObject({ acknowledged: 1, lost: 0, indeterminate: 2, indeterminateCommitted: 1, failed: 0 });
  });

  it("counts writes that certainly did not run as failed", () => {
    expect(writeOutcome(write(1, { ok: false, status: null, id: undefined, sent: false, error: "ECONNREFUSED" }))).toBe("failed");
    expect(writeOutcome(write(1, { ok: false, status: 400, id: undefined }))).toBe("failed");
    expect(writeOutcome(write(1, { ok: false, status: 503, id: undefined, maybeExecuted: false }))).toBe("failed");
    expect(writeOutcome(write(1, { ok: false, status: 503, id: undefined, maybeExecuted: true }))).toBe("indeterminate");
  });

  it("reports lost writes as unknown when the database could not be read", () => {
    expect(checkWrites([write(1, {})], null, null)).toMatchObject({ lost: null, indeterminateCommitted: null });
  });
});

describe("figures", () => {
  it("derives every metric from the record and the fault window", () => {
    const reads = stream(0, 10_000, 20, (t) => t >= 3000 && t < 3800);
    const writes = stream(10, 10_000, 100, (t) => t >= 3000, "write");
    const f = computeFigures([...reads, ...writes], { t0: T0, t1: T0 + 10_000, faultAt: T0 + 3000, healAt: T0 + 8000, healEnd: T0 + 8500 }, 500);
    expect(f.recovered).toEqual({ all: false, reads: true, writes: false });
    expect(f.latency.before.requests).toBe(150 + 30);
    expect(f.latency.after.failed).toBe(15);
    expect(f.timeline).toHaveLength(100);
    expect(f.timeline[35]).toMatchObject({ failed: 6 });
    const m = metricValues(f, null);
    expect(m.readDowntime).toBe(800);
    // The first failing write started at +3010 ms: the outage runs from its window to the end.
    expect(m.writeDowntime).toBe(6990);
    expect(m.readsRecovered).toBe(1);
    expect(m.writesRecovered).toBe(0);
    expect(m.lostWrites).toBeNull();
    expect(m.failedRequests).toBe(40 + 70);
  });

  it("leaves recovery unmeasured when the scenario injected no fault", () => {
    const f = computeFigures(stream(0, 2000, 20), { t0: T0, t1: T0 + 2000, faultAt: null, healAt: null, healEnd: null }, 500);
    expect(f.recovered.all).toBeNull();
    expect(f.latency.during.requests).toBe(0);
  });
});

describe("writes in flight (Little's law)", () => {
  it("is the writes' time in flight summed over the load's length, clipped to the load", () => {
    // 8 writers back to back, each write taking 25 ms: 8 in flight all the time
    const writers = Array.from({ length: 8 }, () => Array.from({ length: 40 }, (_, i) => ({ start: T0 + i * 25, end: T0 + (i + 1) * 25 })));
    const ops: Operation[] = writers.flat().map((w) => ({ op: "write", path: "/api/entries", status: 201, ok: true, ...w }));
    expect(meanInFlight(ops, T0, T0 + 1000)).toBe(8);
    // one write of 1 s started half a second before a 2 s load counts for its half inside it
    expect(meanInFlight([{ op: "write", path: "/", status: null, ok: false, start: T0 - 500, end: T0 + 500 }], T0, T0 + 2000)).toBe(0.3);
    expect(meanInFlight([], T0, T0 + 1000)).toBeNull();
    const f = computeFigures(ops, { t0: T0, t1: T0 + 1000, faultAt: null, healAt: null, healEnd: null }, 500);
    expect(f.writesInFlight).toBe(8);
    expect(metricValues(f, null)).toMatchObject({ writesInFlight: 8, wholeAfterHeal: null });
    expect(metricValues(f, null, 4200).wholeAfterHeal).toBe(4200);
    // a load with reads only has no write figure
    expect(computeFigures(stream(0, 1000, 20), { t0: T0, t1: T0 + 1000, faultAt: null, healAt: null, healEnd: null }, 500).writesInFlight).toBeNull();
  });
});
