// Latency of the answers users got, before, during and after a fault.
import type { Operation } from "../operations.js";

/** Latency figures of one phase (successful requests only; a timeout is a failure, not a latency). */
export interface PhaseLatency {
  requests: number;
  failed: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** The nearest-rank percentile `p` (0-100) of sorted values; null when there are none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Latency of the requests that started in [from, to). */
export function phaseLatency(ops: readonly Operation[], from: number, to: number): PhaseLatency {
  const inside = ops.filter((o) => o.start >= from && o.start < to);
  const times = inside
    .filter((o) => o.ok)
    .map((o) => o.end - o.start)
    .sort((a, b) => a - b);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    requests: inside.length,
    failed: inside.filter((o) => !o.ok).length,
    p50: round(percentile(times, 50)),
    p90: round(percentile(times, 90)),
    p99: round(percentile(times, 99)),
    max: round(percentile(times, 100)),
  };
}
