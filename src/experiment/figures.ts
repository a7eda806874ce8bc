// Every figure of an experiment, derived from the recorded operations and the times of the fault and the heal.
import type { Operation } from "./operations.js";
import { allSucceeded, availability, WINDOW_MS, type Availability } from "./checkers/availability.js";
import { phaseLatency, type PhaseLatency } from "./checkers/latency.js";
import type { WriteCheck } from "./checkers/writes.js";

/** When things happened (ms since the epoch). */
export interface Timing {
  /** Start and end of the load. */
  t0: number;
  t1: number;
  /** When the first fault took effect; null when the scenario injected none. */
  faultAt: number | null;
  /** When the first heal after it began and ended; null when the run had none before the load ended. */
  healAt: number | null;
  healEnd: number | null;
}

/** How long before the heal the service must have answered every request to count as recovered on its own. */
export const RECOVERY_MS = 1000;
/** Width of a timeline bar. */
export const BIN_MS = 100;

export interface Figures {
  windowMs: number;
  requests: number;
  failed: number;
  /** Successful requests slower than the scenario's threshold. */
  slow: number;
  /** Failures by cause ("timeout", "503", "ECONNREFUSED"...). */
  errors: Record<string, number>;
  all: Availability;
  reads: Availability;
  writes: Availability;
  /** Did every request of the last second before the heal succeed (null: no fault, or no request then)? */
  recovered: { all: boolean | null; reads: boolean | null; writes: boolean | null };
  latency: { before: PhaseLatency; during: PhaseLatency; after: PhaseLatency };
  /** Mean writes in flight over the load (Little's law: the writes' time in flight summed, over the load's length); null without writes. */
  writesInFlight: number | null;
  /** Requests per bar of BIN_MS by outcome, for the timeline. */
  timeline: { t: number; ok: number; failed: number; slow: number }[];
}

/** Computes the figures of a run. */
export function computeFigures(ops: readonly Operation[], timing: Timing, slowMs: number): Figures {
  const { t0, t1, faultAt, healAt, healEnd } = timing;
  const reads = ops.filter((o) => o.op === "read");
  const writes = ops.filter((o) => o.op === "write");
  const errors: Record<string, number> = {};
  for (const o of ops) if (!o.ok) errors[o.error ?? "error"] = (errors[o.error ?? "error"] ?? 0) + 1;
  const isSlow = (o: Operation) => o.ok && o.end - o.start > slowMs;
  const recEnd = healAt ?? t1;
  const recStart = faultAt === null ? recEnd : Math.max(faultAt, recEnd - RECOVERY_MS);
  const recovered = (list: readonly Operation[]) => (faultAt === null ? null : allSucceeded(list, recStart, recEnd));
  const during = faultAt ?? t1;
  const after = healEnd ?? Number.POSITIVE_INFINITY;
  const bins = Math.max(1, Math.ceil((t1 - t0) / BIN_MS));
  const timeline = Array.from({ length: bins }, (_, i) => ({ t: i * BIN_MS, ok: 0, failed: 0, slow: 0 }));
  for (const o of ops) {
    const bin = timeline[Math.floor((o.start - t0) / BIN_MS)];
    if (!bin) continue;
    if (!o.ok) bin.failed++;
    else if (isSlow(o)) bin.slow++;
    else bin.ok++;
  }
  return {
    windowMs: WINDOW_MS,
    requests: ops.length,
    failed: ops.filter((o) => !o.ok).length,
    slow: ops.filter(isSlow).length,
    errors,
    all: availability(ops, t0, t1),
    reads: availability(reads, t0, t1),
    writes: availability(writes, t0, t1),
    recovered: { all: recovered(ops), reads: recovered(reads), writes: recovered(writes) },
    writesInFlight: meanInFlight(writes, t0, t1),
    latency: { before: phaseLatency(ops, Number.NEGATIVE_INFINITY, during), during: phaseLatency(ops, during, after), after: phaseLatency(ops, after, Number.POSITIVE_INFINITY) },
    timeline,
  };
}

/** Mean operations in flight between `from` and `to` (ms since the epoch), to one decimal; null without operations. */
export function meanInFlight(ops: readonly Operation[], from: number, to: number): number | null {
  if (!ops.length || to <= from) return null;
  const busy = ops.reduce((sum, o) => sum + Math.max(0, Math.min(o.end, to) - Math.max(o.start, from)), 0);
  return Math.round((busy / (to - from)) * 10) / 10;
}

const bool = (b: boolean | null) => (b === null ? null : b ? 1 : 0);

/** The value of every metric expectations may name (see METRICS in expect.ts); `wholeAfterHeal` is watched on the lab, not derived from the operations. */
export function metricValues(f: Figures, w: WriteCheck | null, wholeAfterHeal: number | null = null): Record<string, number | null> {
  const values: Record<string, number | null> = {
    requests: f.requests,
    failedRequests: f.failed,
    failedReads: f.reads.failed,
    failedWrites: f.writes.failed,
    slowRequests: f.slow,
    availability: f.all.availability,
    readAvailability: f.reads.requests ? f.reads.availability : null,
    writeAvailability: f.writes.requests ? f.writes.availability : null,
    downtime: f.all.downtimeMs,
    readDowntime: f.reads.requests ? f.reads.downtimeMs : null,
    writeDowntime: f.writes.requests ? f.writes.downtimeMs : null,
    recovered: bool(f.recovered.all),
    readsRecovered: bool(f.recovered.reads),
    writesRecovered: bool(f.recovered.writes),
    downAtEnd: bool(f.all.downAtEnd),
    acknowledgedWrites: w?.acknowledged ?? null,
    lostWrites: w?.lost ?? null,
    indeterminateWrites: w?.indeterminate ?? null,
    writesInFlight: f.writesInFlight,
    wholeAfterHeal,
  };
  for (const [phase, lat] of Object.entries(f.latency)) {
    const P = phase[0]!.toUpperCase() + phase.slice(1);
    for (const s of ["p50", "p90", "p99", "max"] as const) values[`${s}${P}`] = lat[s];
  }
  return values;
}
