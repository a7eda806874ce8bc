// The experiment report as text for a person, from the same value `--json` prints.
import { color } from "../util/color.js";
import { formatMetric } from "./expect.js";
import type { PhaseLatency } from "./checkers/latency.js";
import type { ExperimentReport } from "./report.js";
import { writesText } from "./scenario.js";
import { formatMs } from "./units.js";

const at = (ms: number | null) => (ms === null ? "-" : `${ms < 0 ? "-" : "+"}${(Math.abs(ms) / 1000).toFixed(2)} s`);
const pct = (v: number) => `${v.toFixed(v >= 99 ? 2 : 1)}%`;
const yes = (b: boolean | null) => (b === null ? "n/a" : b ? "yes" : "no");

function latencyRow(name: string, l: PhaseLatency): string {
  const cell = (v: number | null) => (v === null ? "-" : String(Math.round(v))).padStart(6);
  return `    ${name.padEnd(8)}${cell(l.p50)}${cell(l.p90)}${cell(l.p99)}${cell(l.max)}${String(l.requests).padStart(10)}${String(l.failed).padStart(8)}`;
}

/** Formats a report as text. */
export function formatReport(r: ExperimentReport): string {
  const f = r.figures;
  const verdict = r.passed ? color("green", color("bold", "PASSED")) : color("red", color("bold", "FAILED"));
  const lines = [
    `${color("bold", `experiment ${r.scenario.name}`)} on ${r.design.name} (lab ${r.lab})  ${verdict}`,
    `  ${r.scenario.description}`,
    ...(r.scenario.claim ? [`  claim: ${r.scenario.claim}`] : []),
    `  load: ${r.load.readsPerSecond} reads/s + ${writesText(r.load)} for ${r.durationMs / 1000} s from the user host, timeout ${formatMs(r.load.timeoutMs)}, ${r.load.reuseConnections ? "connections reused" : "a new connection per request"}`,
    "",
    color("bold", "  steps"),
    ...r.steps.map((s) => `    ${at(s.at).padStart(9)}  ${s.text.padEnd(44)} ${s.ok ? color("gray", `took ${formatMs((s.endedAt ?? 0) - (s.startedAt ?? 0))}`) : color("red", `failed: ${s.error}`)}`),
    "",
    color("bold", "  what users saw"),
    `    requests      ${f.requests} sent, ${f.failed} failed${
      f.failed
        ? ` (${Object.entries(f.errors)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")})`
        : ""
    }, ${f.slow} slow (> ${formatMs(r.load.slowMs)})`,
    `    availability  ${pct(f.all.availability)} of ${f.windowMs} ms windows (reads ${f.reads.requests ? pct(f.reads.availability) : "-"}, writes ${f.writes.requests ? pct(f.writes.availability) : "-"})`,
    `    downtime      ${formatMs(f.all.downtimeMs)}${f.all.downtimeFrom !== null && f.all.downtimeMs ? ` from ${at(f.all.downtimeFrom)}` : ""}; reads ${formatMs(f.reads.downtimeMs)}, writes ${formatMs(f.writes.downtimeMs)}${f.all.downAtEnd ? color("red", "; still down at the end") : ""}`,
    `    recovered     before the heal: ${yes(f.recovered.all)} (reads ${yes(f.recovered.reads)}, writes ${yes(f.recovered.writes)})`,
    "",
    `  ${color("bold", "latency (ms)")}   p50   p90   p99   max  requests  failed`,
    latencyRow("before", f.latency.before),
    latencyRow("during", f.latency.during),
    latencyRow("after", f.latency.after),
  ];
  if (r.writes) {
    const w = r.writes;
    lines.push(
      "",
      color("bold", "  writes"),
      `    ${w.acknowledged} acknowledged, ${w.lost === null ? color("yellow", "not checked") : w.lost ? color("red", `${w.lost} lost`) : "0 lost"}, ${w.indeterminate} indeterminate${w.indeterminateCommitted !== null && w.indeterminate ? ` (${w.indeterminateCommitted} of them committed)` : ""}, ${w.failed} failed${w.checkedOn ? ` — checked on ${w.checkedOn}` : ""}`,
      ...w.lostWrites.slice(0, 20).map((l) => `    ${color("red", "lost")} id ${l.id} (${l.key}) written at ${at(l.start - Date.parse(r.startedAt))}`),
    );
  }
  const notable = r.events.filter((e) => e.kind === "failover" || e.kind === "alert" || (e.kind !== "experiment" && !(e.source ?? "").startsWith("experiment")));
  if (notable.length) lines.push("", color("bold", "  events"), ...notable.map((e) => `    ${at(e.t).padStart(9)}  ${e.kind.padEnd(9)} ${e.message}`));
  if (r.expectations.length) {
    lines.push("", color("bold", "  expectations"));
    for (const e of r.expectations)
      lines.push(`    ${e.passed ? color("green", "✓") : color("red", "✗")} ${e.text.padEnd(28)} measured ${formatMetric(e.metric, e.actual)}${e.why ? color("gray", `  — ${e.why}`) : ""}`);
  } else lines.push("", color("gray", "  no expectation applies to this design"));
  if (r.notes.length) lines.push("", ...r.notes.map((n) => `  ${color("yellow", "note:")} ${n}`));
  return lines.join("\n");
}
