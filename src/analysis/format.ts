// Plain-text view of a plan report; colours come from the caller so this stays free of the terminal.
import { SEVERITIES, type AvailabilityFigure, type Finding, type PlanReport, type Severity } from "./types.js";

/** Colours a piece of text by name; the identity when colours are off. */
export type Paint = (name: "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "gray" | "bold" | "dim", text: string) => string;

export interface FormatOptions {
  paint?: Paint;
  /** Where the design came from, shown in the heading. */
  source?: string;
  /** Column at which long lines wrap. */
  width?: number;
}

/** The colour of each severity in text output. */
export const SEVERITY_COLOR: Record<Severity, Parameters<Paint>[0]> = { critical: "red", high: "magenta", medium: "yellow", low: "cyan", info: "gray" };
/** No colours. */
export const plain: Paint = (_name, text) => text;

/** Renders a plan report as text: findings grouped by severity, then the availability estimate. */
export function formatPlan(report: PlanReport, options: FormatOptions = {}): string {
  const paint = options.paint ?? plain;
  const width = options.width ?? 100;
  const lines: string[] = [];
  lines.push(paint("bold", `plan for ${report.design} (www.${report.domain})${options.source ? ` from ${options.source}` : ""}`));
  const counts = SEVERITIES.map((s) => `${report.summary[s]} ${s}`).join(", ");
  lines.push(`${report.findings.length} finding${report.findings.length === 1 ? "" : "s"}: ${counts}`);
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (!group.length) continue;
    lines.push("", paint(SEVERITY_COLOR[severity], paint("bold", `${severity.toUpperCase()} (${group.length})`)));
    for (const f of group) lines.push(...findingLines(f, paint, width));
  }
  const av = report.availability;
  const a = av.assumptions;
  lines.push("", paint("bold", "availability estimate"));
  lines.push(...wrap(`assumed: server ${pct(a.server)}, load balancer ${pct(a.loadBalancer)}, DNS ${pct(a.dns)} (change with --availability server=0.995)`, width, "  "));
  lines.push(`  ${figureLine("reads and writes", av.site)}`, `  ${figureLine("reads only", av.reads)}`);
  lines.push(...wrap(`method: ${av.method}, ${av.methodNote}`, width, "  ").map((l) => paint("dim", l)));
  return lines.join("\n");
}

function findingLines(f: Finding, paint: Paint, width: number): string[] {
  const out = [`  ${paint(SEVERITY_COLOR[f.severity], f.id)}  ${f.title}`];
  for (const [label, text] of [
    ["evidence", f.evidence],
    ["impact", f.impact],
    ["remedy", f.remedy],
  ] as const) {
    const body = wrap(text, width - 14, "");
    out.push(`    ${paint("dim", label.padEnd(9))} ${body[0] ?? ""}`, ...body.slice(1).map((l) => `${" ".repeat(14)}${l}`));
  }
  return out;
}

function figureLine(label: string, f: AvailabilityFigure): string {
  return `${label.padEnd(17)} ${f.percent.padStart(9)}  about ${f.downtimePerYear} down a year, ${f.downtimePerMonth} a month`;
}

function pct(x: number): string {
  return `${Number((x * 100).toFixed(4))}%`;
}

/** Breaks text into lines of at most `width` columns (words longer than that stay whole), each starting with `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}
