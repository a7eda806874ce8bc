// Durations and percentages as people write them in scenarios and on the command line: "1.5s", "200ms", "2%".

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/;

/** Milliseconds from "200ms", "1.5s", "2m" or a bare number of milliseconds; undefined when unreadable. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return Math.round(m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n);
}

/** A percentage from "2%", "2" or 2; undefined when unreadable. */
export function parsePercent(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) ? text : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

/** "850 ms", "1.25 s": a duration for people. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
