// Statistics of the benchmark: median with min and max over runs, and a straight-line fit of cost against lab size.
import type { LinearFit, Summary } from "./types.js";

/** Median, min and max of a list of runs; null when no run produced a value. */
export function summarize(values: readonly number[]): Summary | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values: [...finite] };
}

/** How much steeper the last segment may be than the first (or the reverse) and still count as a straight line. */
export const LINEAR_TOLERANCE = 1.5;

/** Least-squares line through the points, its r², and whether growth is close to linear; null with fewer than two distinct x. */
export function linearFit(points: readonly { x: number; y: number }[]): LinearFit | null {
  const pts = [...points].filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
  if (new Set(pts.map((p) => p.x)).size < 2) return null;
  const n = pts.length;
  const mx = pts.reduce((s, p) => s + p.x, 0) / n;
  const my = pts.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of pts) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  const seg = (a: { x: number; y: number }, b: { x: number; y: number }) => (b.y - a.y) / (b.x - a.x);
  const firstSlope = seg(pts[0]!, pts[1]!);
  const lastSlope = seg(pts[n - 2]!, pts[n - 1]!);
  return { slope, intercept, r2, firstSlope, lastSlope, verdict: growthVerdict(firstSlope, lastSlope), points: n };
}

/** Compares the per-host cost of the largest labs with that of the smallest. */
export function growthVerdict(firstSlope: number, lastSlope: number): LinearFit["verdict"] {
  // A cost that does not grow at all at first (or shrinks) and then grows is not linear either.
  if (firstSlope <= 0) return lastSlope > 0 ? "faster than linear" : "close to linear";
  const ratio = lastSlope / firstSlope;
  if (ratio > LINEAR_TOLERANCE) return "faster than linear";
  if (ratio < 1 / LINEAR_TOLERANCE) return "slower than linear";
  return "close to linear";
}

/** a / b, or null when either is missing or b is zero. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return a / b;
}
