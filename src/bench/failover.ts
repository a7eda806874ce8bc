// Failover and operations under load, measured by the experiment runner: `stacklab experiment SCENARIO --json`
// on a running lab, case after case, with a check between cases that the lab still serves.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ExperimentReport } from "../experiment/report.js";
import { writesText } from "../experiment/scenario.js";
import { failureText, stacklab } from "./cli.js";
import { labUnhealthy } from "./health.js";
import { scenarioLabel, type FailoverCase } from "./scenarios.js";
import { summarize } from "./stats.js";
import type { FailoverResult, FailoverRow } from "./types.js";

/** What one run of a case gave. */
export interface RunOutcome {
  report: ExperimentReport | null;
  failure?: string;
  notes: string[];
}

/** One run of a case: `stacklab experiment SCENARIO --json` on the lab. */
async function runCase(lab: string, c: FailoverCase, tmpDir: string): Promise<RunOutcome> {
  let scenarioArg: string;
  if ("builtIn" in c.scenario) scenarioArg = c.scenario.builtIn;
  else {
    scenarioArg = join(tmpDir, `${c.scenario.name}.yaml`);
    writeFileSync(scenarioArg, c.scenario.yaml);
  }
  const r = await stacklab(["experiment", scenarioArg, "--name", lab, "--json"], 180_000);
  let report: ExperimentReport | null = null;
  try {
    report = JSON.parse(r.stdout) as ExperimentReport;
  } catch {
    return { report: null, failure: `stacklab experiment failed (${failureText(r)})`, notes: [] };
  }
  // Exit 1 only says an expectation did not hold: the figures are still measured.
  if (r.code !== 0 && r.code !== 1) return { report: null, failure: `stacklab experiment failed (${failureText(r)})`, notes: [] };
  return { report, notes: report.notes };
}

/** A run's load in words. */
export function loadText(r: Pick<ExperimentReport, "load" | "durationMs">): string {
  const l = r.load;
  return `${l.readsPerSecond} reads/s + ${writesText(l)} for ${r.durationMs / 1000} s from the user host, ${l.reuseConnections ? "connections reused" : "a new connection per request"}, timeout ${l.timeoutMs} ms`;
}

/** The figures of one case over its runs. */
export function failoverRow(c: FailoverCase, outcomes: readonly RunOutcome[]): FailoverRow {
  const reports = outcomes.flatMap((o) => (o.report ? [o.report] : []));
  const metric = (name: string) => summarize(reports.flatMap((r) => (typeof r.metrics[name] === "number" ? [r.metrics[name]] : [])));
  return {
    id: c.id,
    label: c.label,
    scenario: scenarioLabel(c),
    measure: c.measure,
    load: reports[0] ? loadText(reports[0]) : "",
    downtime: metric("downtime"),
    writeDowntime: metric("writeDowntime"),
    failed: metric("failedRequests"),
    requests: metric("requests"),
    lostWrites: metric("lostWrites"),
    indeterminateWrites: metric("indeterminateWrites"),
    writesInFlight: metric("writesInFlight"),
    wholeAfterHeal: metric("wholeAfterHeal"),
    notWhole: reports.filter((r) => r.timing.wholeAt === null).length,
    errors: reports.reduce<Record<string, number>>((acc, r) => {
      for (const [k, n] of Object.entries(r.figures.errors)) acc[k] = (acc[k] ?? 0) + n;
      return acc;
    }, {}),
    passed: reports.map((r) => r.passed),
    ...(c.anchor ? { anchor: c.anchor } : {}),
    failures: outcomes.flatMap((o) => (o.failure ? [o.failure] : [])),
    notes: [...new Set(outcomes.flatMap((o) => o.notes))],
    trace: reports.map((r) => ({
      startedAt: r.startedAt,
      downtimeFrom: r.figures.all.downtimeFrom,
      // One character per 100 ms: "." every request succeeded, "s" some were slow, "x" some failed.
      timeline: r.figures.timeline.map((b) => (b.failed ? "x" : b.slow ? "s" : ".")).join(""),
      events: r.events.map((e) => `+${e.t} ms ${e.kind}${e.host ? ` ${e.host}` : ""}: ${e.message}`),
    })),
  };
}

export interface FailoverOptions {
  runs: number;
  cases: FailoverCase[];
  tmpDir: string;
  say: (m: string) => void;
  /** Replaces the lab by a fresh one (a case left it unable to serve). */
  recreate: () => Promise<void>;
}

/** Runs every case `runs` times on a running lab (cases round-robin) and summarizes. */
export async function benchFailover(lab: string, opts: FailoverOptions): Promise<FailoverResult> {
  const outcomes = new Map<string, RunOutcome[]>(opts.cases.map((c) => [c.id, []]));
  const recreated: string[] = [];
  for (let r = 0; r < opts.runs; r++) {
    for (const c of opts.cases) {
      // A case that left the lab broken (a database with no writable primary...) must not spoil the next one.
      const broken = await labUnhealthy(lab);
      if (broken) {
        opts.say(`the lab cannot serve (${broken}): replacing it with a fresh one`);
        recreated.push(`before ${c.id}, run ${r + 1}: ${broken}`);
        await opts.recreate();
      }
      const o = await runCase(lab, c, opts.tmpDir);
      outcomes.get(c.id)!.push(o);
      const m = o.report?.metrics;
      opts.say(
        `[${r + 1}/${opts.runs}] ${c.id}: ${m ? `downtime ${m.downtime} ms, write downtime ${m.writeDowntime ?? "-"} ms, ${m.failedRequests}/${m.requests} failed, lost writes ${m.lostWrites ?? "-"}${m.writesInFlight !== undefined && m.writesInFlight !== null ? `, writes in flight ${m.writesInFlight}` : ""}${o.report?.timing.wholeAt !== undefined ? `, whole ${m.wholeAfterHeal ?? "-"} ms after the heal` : ""}` : ""}${o.failure ? ` ${o.failure}` : ""}`,
      );
    }
  }
  const first = opts.cases[0] ? outcomes.get(opts.cases[0].id)!.find((o) => o.report)?.report : undefined;
  const load = first ? loadText(first) : "the experiment runner's default load";
  return { runs: opts.runs, load, rows: opts.cases.map((c) => failoverRow(c, outcomes.get(c.id)!)), recreated };
}
