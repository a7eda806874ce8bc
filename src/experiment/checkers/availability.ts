// Availability as users saw it: time cut into small windows, each judged by the requests that started in it.
import type { Operation } from "../operations.js";

/** Width of an availability window. */
export const WINDOW_MS = 10;

/** How a stretch of time went for the requests of one kind. */
export interface Availability {
  /** Operations counted. */
  requests: number;
  failed: number;
  /** Mean over windows of the share of requests that succeeded (a window with no request keeps the previous window's value), in percent. */
  availability: number;
  /** Longest run of windows in which every request failed, in ms. */
  downtimeMs: number;
  /** Where that run started, in ms from the start of the load; null when nothing failed. */
  downtimeFrom: number | null;
  /** The run's last windows were all failing. */
  downAtEnd: boolean;
}

/** Judges windows of `windowMs` between `from` and `to` (ms since the epoch) by the requests that started in each. */
export function availability(ops: readonly Operation[], from: number, to: number, windowMs = WINDOW_MS): Availability {
  const n = Math.max(1, Math.ceil((to - from) / windowMs));
  const ok = new Array<number>(n).fill(0);
  const bad = new Array<number>(n).fill(0);
  for (const o of ops) {
    const i = Math.floor((o.start - from) / windowMs);
    if (i < 0 || i >= n) continue;
    if (o.ok) ok[i]!++;
    else bad[i]!++;
  }
  let share = 1;
  let sum = 0;
  let run = 0;
  let best = 0;
  let bestStart = -1;
  for (let i = 0; i < n; i++) {
    const total = ok[i]! + bad[i]!;
    // A window nobody asked anything in says nothing new: the service is taken to be as it was.
    if (total > 0) share = ok[i]! / total;
    sum += share;
    run = share === 0 ? run + 1 : 0;
    if (run > best) {
      best = run;
      bestStart = i - run + 1;
    }
  }
  const failed = ops.filter((o) => !o.ok && o.start >= from && o.start < to).length;
  return {
    requests: ok.reduce((a, b) => a + b, 0) + bad.reduce((a, b) => a + b, 0),
    failed,
    availability: (sum / n) * 100,
    downtimeMs: best * windowMs,
    downtimeFrom: bestStart >= 0 ? bestStart * windowMs : null,
    downAtEnd: run > 0,
  };
}

/** True when every request started in [from, to) succeeded and there was at least one; null when none started. */
export function allSucceeded(ops: readonly Operation[], from: number, to: number): boolean | null {
  const inside = ops.filter((o) => o.start >= from && o.start < to);
  return inside.length ? inside.every((o) => o.ok) : null;
}
