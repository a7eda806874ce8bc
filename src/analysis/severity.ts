// Ordering and parsing of severities.
import { UsageError } from "../spec/errors.js";
import { SEVERITIES, type Finding, type Severity } from "./types.js";

/** Rank of a severity: 0 for critical, 4 for info. */
export function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** True when `severity` is `threshold` or worse. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return rank(severity) <= rank(threshold);
}

/** Sorts findings worst first, then by id, so reports are stable. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity) || a.id.localeCompare(b.id));
}

/** Parses a severity given on the command line; throws UsageError when unknown. */
export function parseSeverity(text: string): Severity {
  const s = text.toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(s)) return s as Severity;
  throw new UsageError(`unknown severity "${text}"; use one of ${SEVERITIES.join(", ")}`);
}

/** Counts findings per severity (every severity present, zero when none). */
export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) out[f.severity]++;
  return out;
}
