// The audit report as text: one line per check, and the evidence of what failed or deserves a look.
import { color } from "../util/color.js";
import type { AuditCheck, AuditReport, CheckStatus } from "./types.js";

/** Evidence lines shown per check without --verbose. */
export const DETAIL_LINES = 12;

const MARK: Record<CheckStatus, () => string> = {
  pass: () => color("green", "PASS"),
  fail: () => color("red", "FAIL"),
  warn: () => color("yellow", "WARN"),
  skip: () => color("gray", "SKIP"),
};

function checkLines(c: AuditCheck, verbose: boolean): string[] {
  const lines = [`${MARK[c.status]()} ${c.title.padEnd(34)} ${c.summary}`];
  if (!verbose && (c.status === "pass" || c.status === "skip")) return lines;
  const shown = verbose ? c.details : c.details.slice(0, DETAIL_LINES);
  lines.push(...shown.map((d) => `       ${color(d.startsWith("FAIL") ? "red" : d.startsWith("WARN") ? "yellow" : "gray", d)}`));
  if (shown.length < c.details.length) lines.push(color("gray", `       ... ${c.details.length - shown.length} more (--verbose or --json)`));
  return lines;
}

/** Formats the report for a terminal. */
export function formatAudit(r: AuditReport, verbose = false): string {
  const { pass, fail, warn, skip } = r.counts;
  const head = `${color("bold", `audit of lab ${r.lab}`)} (${r.source}): ${pass} passed, ${fail} failed, ${warn} warnings${skip ? `, ${skip} skipped` : ""} in ${(r.durationMs / 1000).toFixed(1)} s`;
  const verdict = r.passed ? color("green", "the lab meets every security check") : color("red", `${fail} check${fail > 1 ? "s" : ""} failed`);
  return [head, "", ...r.checks.flatMap((c) => checkLines(c, verbose)), "", verdict].join("\n");
}
