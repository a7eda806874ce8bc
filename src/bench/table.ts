// Markdown tables and the number formats of the benchmark's report.
import type { Summary } from "./types.js";

/** A Markdown table with padded columns ("r" columns right-aligned), readable as plain text too. */
export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly ("l" | "r")[] = []): string {
  const clean = (c: string) => c.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const all = [headers.map(clean), ...rows.map((r) => headers.map((_, i) => clean(r[i] ?? "")))];
  const width = headers.map((_, i) => Math.max(3, ...all.map((r) => [...r[i]!].length)));
  const pad = (c: string, i: number) => (align[i] === "r" ? c.padStart(width[i]!) : c.padEnd(width[i]!));
  const line = (r: readonly string[]) => `| ${r.map(pad).join(" | ")} |`;
  const rule = `| ${width.map((w, i) => (align[i] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join("\n");
}

/** Milliseconds as people read them: "850 ms", "3.21 s", "12.4 s". */
export function fmtMs(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Math.abs(s) < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

/** A long duration: "14 min 5 s", or fmtMs below two minutes. */
export function fmtDuration(ms: number): string {
  if (ms < 120_000) return fmtMs(ms);
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Latency in ms with a sensible precision: "0.84 ms", "12.3 ms", "240 ms". */
export function fmtLatency(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return fmtMs(ms);
}

/** A count with thousands separated: 25 130. */
export function fmtCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/** Bytes in MiB, or GiB from 1 GiB up. */
export function fmtBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${mib.toFixed(1)} MiB`;
}

/** A ratio: "0.52×". */
export function fmtRatio(r: number | null): string {
  return r === null ? "–" : `${r.toFixed(2)}×`;
}

/** The median, then the range over runs when there were several: "3.21 s (2.98–3.60)". */
export function fmtSummary(s: Summary | null, fmt: (v: number) => string): string {
  if (!s) return "–";
  if (s.values.length < 2 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}
