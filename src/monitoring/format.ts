// Text forms of monitoring results: the alerts block of `status` and the table of `metrics`.
import { color } from "../util/color.js";
import type { AlertsStatus } from "./status-alerts.js";
import type { LabAlert, PromResult, PromSample } from "./types.js";

const SEVERITY_COLOR = { critical: "red", warning: "yellow" } as const;

function alertLine(a: LabAlert): string {
  const padded = a.severity.padEnd(8);
  const sev = a.severity in SEVERITY_COLOR ? color(SEVERITY_COLOR[a.severity as keyof typeof SEVERITY_COLOR], padded) : padded;
  const since = a.activeAt ? color("gray", ` since ${a.activeAt.slice(11, 19)}`) : "";
  return `    ${a.name.padEnd(21)} ${sev} ${a.summary}${since}`;
}

/** The alerts block of `status`: firing alerts one per line, then how many are pending. */
export function alertsText(a: AlertsStatus): string[] {
  const title = `alerts (${a.source}):`;
  if (a.error) return [`${title} ${color("yellow", `cannot be read: ${a.error}`)}`];
  const head = a.firing.length ? color("red", `${a.firing.length} firing`) : color("green", "none firing");
  const pending = a.pending.length ? `, ${a.pending.length} pending: ${[...new Set(a.pending.map((p) => p.name))].join(", ")}` : "";
  return [`${title} ${head}${pending}`, ...a.firing.map(alertLine)];
}

/** A sample value in few characters: integers as they are, others with 6 significant digits. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** An instant vector as a table: one column per label (the metric name first), the value last. */
export function vectorTable(samples: PromSample[]): string {
  if (!samples.length) return "no series matched";
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.metric)))].filter((n) => n !== "__name__").sort();
  const hasName = samples.some((s) => s.metric.__name__);
  const header = [...(hasName ? ["METRIC"] : []), ...names.map((n) => n.toUpperCase()), "VALUE"];
  const rows = [...samples]
    .sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)))
    .map((s) => [...(hasName ? [s.metric.__name__ ?? ""] : []), ...names.map((n) => s.metric[n] ?? ""), formatValue(s.value)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ");
  return [color("bold", line(header)), ...rows.map(line)].join("\n");
}

/** Any query result as text: a table for vectors, one block per series for matrices, the value for scalars. */
export function resultText(r: PromResult): string {
  switch (r.type) {
    case "vector":
      return vectorTable(r.samples);
    case "scalar":
      return formatValue(r.value);
    case "string":
      return r.value;
    case "matrix":
      if (!r.series.length) return "no series matched";
      return r.series.map((s) => `${JSON.stringify(s.metric)}\n${s.points.map((p) => `  ${new Date(p.time * 1000).toISOString()}  ${formatValue(p.value)}`).join("\n")}`).join("\n");
  }
}
