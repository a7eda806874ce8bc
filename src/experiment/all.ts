// `experiment --all`: every scenario against a design (or several), one after the other, as one table.
import { UsageError } from "../spec/errors.js";
import { color } from "../util/color.js";
import { activeFaults, heal } from "../runtime/faults/index.js";
import { isAlive } from "../runtime/state.js";
import { openLab } from "../runtime/lab.js";
import { formatMetric } from "./expect.js";
import type { ExperimentReport } from "./report.js";
import { runExperiment, type ExperimentOptions } from "./run.js";
import type { Scenario } from "./scenario.js";
import { liveRoles, NotApplicableError } from "./targets.js";
import { formatMs } from "./units.js";

/** One scenario on one design. */
export interface MatrixCell {
  scenario: string;
  design: string;
  status: "passed" | "failed" | "n/a" | "error";
  /** Why it does not apply, or what went wrong. */
  reason?: string;
  downtimeMs?: number;
  failedRequests?: number;
  requests?: number;
  lostWrites?: number | null;
  indeterminateWrites?: number;
  /** Expectations that did not hold, with what was measured. */
  unmet?: string[];
}

export interface Matrix {
  designs: string[];
  scenarios: string[];
  cells: MatrixCell[];
  reports: ExperimentReport[];
}

function cellOf(r: ExperimentReport): MatrixCell {
  return {
    scenario: r.scenario.name,
    design: r.design.name,
    status: r.passed ? "passed" : "failed",
    downtimeMs: r.figures.all.downtimeMs,
    failedRequests: r.figures.failed,
    requests: r.figures.requests,
    ...(r.writes ? { lostWrites: r.writes.lost, indeterminateWrites: r.writes.indeterminate } : {}),
    unmet: [
      ...r.expectations.filter((e) => !e.passed).map((e) => `${e.text} (measured ${formatMetric(e.metric, e.actual)})`),
      ...r.notes.filter((n) => n.startsWith("step ") || n.startsWith("no database host accepted")),
    ],
  };
}

/** Runs every scenario on one running lab; a scenario that cannot apply to the design is marked n/a. */
export async function runAll(
  lab: string,
  design: string,
  scenarios: Scenario[],
  opts: Omit<ExperimentOptions, "scenario" | "lab">,
  hooks: { onReport?: (r: ExperimentReport) => void; reset?: () => Promise<void> } = {},
): Promise<{ cells: MatrixCell[]; reports: ExperimentReport[] }> {
  const cells: MatrixCell[] = [];
  const reports: ExperimentReport[] = [];
  const first = openLab(lab);
  const hadWrites = (await liveRoles(first.state, first.model)).writable.length > 0;
  for (const scenario of scenarios) {
    opts.signal?.throwIfAborted();
    // A scenario that went wrong must not spoil the next one.
    const { state, model } = openLab(lab);
    if (activeFaults(state).length || state.hosts.some((h) => !isAlive(h.init))) await heal({ state, model, source: "experiment --all" });
    // A crashed primary may come back read-only until a person acts: start again from a fresh lab when one can be made.
    let note: string | undefined;
    if (hadWrites && !(await liveRoles(state, model)).writable.length) {
      if (hooks.reset) await hooks.reset();
      else note = "no database host accepted writes before this run (a person must act, e.g. `stacklab db failover`)";
    }
    try {
      const r = await runExperiment({ ...opts, lab, scenario });
      if (note) r.notes.unshift(note);
      reports.push(r);
      cells.push(cellOf(r));
      hooks.onReport?.(r);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      if (err instanceof NotApplicableError) cells.push({ scenario: scenario.name, design, status: "n/a", reason: err.message });
      else cells.push({ scenario: scenario.name, design, status: "error", reason: (err as Error).message });
      if (!(err instanceof UsageError)) opts.progress?.(`${scenario.name}: ${(err as Error).message}`);
    }
  }
  return { cells, reports };
}

function cellText(c: MatrixCell | undefined): string {
  if (!c) return "";
  if (c.status === "n/a") return "n/a";
  if (c.status === "error") return "error";
  const word = c.status === "passed" ? "PASS" : "FAIL";
  return `${word} down ${formatMs(c.downtimeMs)}, ${c.failedRequests}/${c.requests} failed${c.lostWrites !== undefined ? `, ${c.lostWrites ?? "?"} lost` : ""}`;
}

/** The matrix as a table: a row per scenario, a column per design, then what did not hold. */
export function formatMatrix(m: Matrix): string {
  const width = Math.max(...m.scenarios.map((s) => s.length), 8) + 2;
  const col = Math.max(...m.designs.map((d) => d.length + 2), ...m.cells.map((c) => cellText(c).length + 2));
  const paint = (text: string) => (text.startsWith("PASS") ? color("green", text) : text.startsWith("FAIL") || text === "error" ? color("red", text) : color("gray", text));
  const lines = [color("bold", `${"scenario".padEnd(width)}${m.designs.map((d) => d.padEnd(col)).join("")}`)];
  for (const s of m.scenarios) {
    const row = m.designs.map((d) => cellText(m.cells.find((c) => c.scenario === s && c.design === d)));
    lines.push(`${s.padEnd(width)}${row.map((t) => paint(t) + " ".repeat(Math.max(1, col - t.length))).join("")}`);
  }
  const details = m.cells.filter((c) => c.status === "failed" || c.status === "error" || c.status === "n/a");
  if (details.length) {
    lines.push("");
    for (const c of details) {
      const why = c.status === "failed" ? (c.unmet ?? []).join("; ") : (c.reason ?? "");
      lines.push(`${c.status === "n/a" ? color("gray", "n/a ") : color("red", c.status === "error" ? "error" : "FAIL")} ${c.scenario} on ${c.design}: ${why}`);
    }
  }
  return lines.join("\n");
}
