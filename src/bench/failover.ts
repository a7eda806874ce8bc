// Failover and operations under load, measured by the experiment runner (`stacklab experiment --json`); for a
// deploy or a reload, which the runner has no step for, the benchmark runs the command beside the runner's load.
import { labModel } from "../runtime/lab-model.js";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ExperimentReport } from "../experiment/report.js";
import { liveRoles } from "../experiment/targets.js";
import { labDir } from "../runtime/paths.js";
import { readState } from "../runtime/state.js";
import { failureText, stacklab } from "./cli.js";
import { labUnhealthy } from "./health.js";
import { scenarioLabel, type BenchOperation, type FailoverCase } from "./scenarios.js";
import { summarize } from "./stats.js";
import { fmtMs } from "./table.js";
import type { FailoverResult, FailoverRow } from "./types.js";

/** The duration of a scenario the benchmark writes (its "duration: Ns" line), in ms. */
function durationOf(yaml: string): number {
  const m = /^duration: (\d+)s$/m.exec(yaml);
  return m ? Number(m[1]) * 1000 : 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Waits for the runner to write its load generator's config (newer than `since`) and returns when the load starts. */
async function loadStart(lab: string, since: number, timeoutMs: number): Promise<number> {
  const dir = join(labDir(lab), "experiments");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(dir)) {
      for (const run of readdirSync(dir)) {
        const cfg = join(dir, run, "loadgen.json");
        if (existsSync(cfg) && statSync(cfg).mtimeMs >= since) return (JSON.parse(readFileSync(cfg, "utf8")) as { startAt: number }).startAt;
      }
    }
    await sleep(50);
  }
  throw new Error(`the experiment did not start its load within ${timeoutMs / 1000} s`);
}

/** The load balancer holding the floating IP now. */
async function activeLb(lab: string): Promise<string> {
  const state = readState(lab);
  if (!state) throw new Error(`no lab ${lab}`);
  const model = labModel(state);
  const live = await liveRoles(state, model);
  const entry = model.entryPoints[0];
  const lb = (entry && live.holders[entry.address]) ?? model.loadBalancer?.hosts[0];
  if (!lb) throw new Error("the design has no load balancer");
  return lb;
}

/** Runs an operation the runner has no step for; returns notes on what it did. */
async function operate(lab: string, op: BenchOperation, tag: string): Promise<string[]> {
  if (op.kind === "deploy") {
    const version = `bench-${tag}`;
    const r = await stacklab(["deploy", "--version", version, "--name", lab, "--json"], 120_000);
    if (r.code !== 0) throw new Error(`stacklab deploy failed (${failureText(r)})`);
    const rep = JSON.parse(r.stdout) as { durationMs: number; batches: unknown[] };
    return [`deploy of ${version}: ${rep.batches.length} batches in ${(rep.durationMs / 1000).toFixed(1)} s`];
  }
  const lb = await activeLb(lab);
  const starts: number[] = [];
  for (let i = 0; i < op.times; i++) {
    starts.push(Date.now());
    const r = await stacklab(["reload", lb, op.service, "--name", lab], 30_000);
    if (r.code !== 0) throw new Error(`stacklab reload ${lb} ${op.service} failed (${failureText(r)})`);
    if (i < op.times - 1) await sleep(starts[i]! + op.everyMs - Date.now());
  }
  // A reload command takes a moment to start Node, so reloads may come further apart than asked.
  const gap = starts.length > 1 ? (starts[starts.length - 1]! - starts[0]!) / (starts.length - 1) : 0;
  return [`${op.times} reloads of ${op.service} on ${lb}, ${fmtMs(gap)} apart on average`];
}

/** What one run of a case gave. */
export interface RunOutcome {
  report: ExperimentReport | null;
  failure?: string;
  notes: string[];
}

/** One run of a case: the experiment, and the benchmark's own operation beside it when the case has one. */
async function runCase(lab: string, c: FailoverCase, tmpDir: string, tag: string): Promise<RunOutcome> {
  let scenarioArg: string;
  if ("builtIn" in c.scenario) scenarioArg = c.scenario.builtIn;
  else {
    scenarioArg = join(tmpDir, `${c.scenario.name}.yaml`);
    writeFileSync(scenarioArg, c.scenario.yaml);
  }
  const since = Date.now() - 1000;
  const experiment = stacklab(["experiment", scenarioArg, "--name", lab, "--json"], 180_000);
  const notes: string[] = [];
  let opFailure: string | undefined;
  if (c.operation) {
    const { atMs, run } = c.operation;
    try {
      const t0 = await loadStart(lab, since, 60_000);
      await sleep(t0 + atMs - Date.now());
      notes.push(...(await operate(lab, run, tag)));
      const end = t0 + ("builtIn" in c.scenario ? 0 : durationOf(c.scenario.yaml));
      if (Date.now() > end) notes.push(`the ${run.kind} ended ${fmtMs(Date.now() - end)} after the load: requests of its last part were not counted`);
    } catch (err) {
      opFailure = (err as Error).message;
    }
  }
  const r = await experiment;
  let report: ExperimentReport | null = null;
  try {
    report = JSON.parse(r.stdout) as ExperimentReport;
  } catch {
    return { report: null, failure: `stacklab experiment failed (${failureText(r)})`, notes };
  }
  // Exit 1 only says an expectation did not hold: the figures are still measured.
  if (r.code !== 0 && r.code !== 1) return { report: null, failure: `stacklab experiment failed (${failureText(r)})`, notes };
  return { report, notes: [...notes, ...report.notes], ...(opFailure ? { failure: opFailure } : {}) };
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
    downtime: metric("downtime"),
    writeDowntime: metric("writeDowntime"),
    failed: metric("failedRequests"),
    requests: metric("requests"),
    lostWrites: metric("lostWrites"),
    indeterminateWrites: metric("indeterminateWrites"),
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
      const o = await runCase(lab, c, opts.tmpDir, `${r + 1}-${Date.now().toString(36)}`);
      outcomes.get(c.id)!.push(o);
      const m = o.report?.metrics;
      opts.say(`[${r + 1}/${opts.runs}] ${c.id}: ${m ? `downtime ${m.downtime} ms, write downtime ${m.writeDowntime ?? "-"} ms, ${m.failedRequests}/${m.requests} failed, lost writes ${m.lostWrites ?? "-"}` : ""}${o.failure ? ` ${o.failure}` : ""}`);
    }
  }
  const first = opts.cases[0] ? outcomes.get(opts.cases[0].id)!.find((o) => o.report)?.report : undefined;
  const load = first ? `${first.load.readsPerSecond} reads/s + ${first.load.writesPerSecond} writes/s from the user host, a new connection per request${first.load.reuseConnections ? " (reused)" : ""}, timeout ${first.load.timeoutMs} ms` : "the experiment runner's default load";
  return { runs: opts.runs, load, rows: opts.cases.map((c) => failoverRow(c, outcomes.get(c.id)!)), recreated };
}
