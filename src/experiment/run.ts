// Runs one scenario against a running lab: load from the user host, timed faults, heal, then the checkers.
import { lockLab } from "../runtime/lock.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../spec/errors.js";
import { activeFaults, heal, type FaultLab, type FaultResult } from "../runtime/faults/index.js";
import { readEvents, recordEvent } from "../runtime/events.js";
import { runInHost } from "../runtime/host.js";
import { labDir } from "../runtime/paths.js";
import { REPO_DIR } from "../runtime/repo.js";
import { siteUrl, waitForSite } from "../runtime/site.js";
import { isAlive } from "../runtime/state.js";
import { openLab } from "../runtime/lab.js";
import { checkWrites, type WriteCheck } from "./checkers/writes.js";
import { applicableExpectations, designFacts } from "./design.js";
import { evaluate } from "./expect.js";
import { computeFigures, metricValues, type Timing } from "./figures.js";
import { readOperations, type LoadgenConfig } from "./operations.js";
import type { ExperimentReport, StepRecord } from "./report.js";
import { healsItself, watchWhole, WHOLE_WATCH_MS, type WholeWatch } from "../failover/whole.js";
import { writesText, type Scenario } from "./scenario.js";
import { checkSequence, isFault, resolveSteps, runStep, type ResolvedStep } from "./steps.js";
import { liveRoles, type LiveRoles } from "./targets.js";
import { findWrites, writesCheckable } from "./verify.js";

export interface ExperimentOptions {
  /** Lab name (default: the only lab running). */
  lab?: string;
  scenario: Scenario;
  /** Overrides the scenario's duration. */
  durationMs?: number;
  /** Ctrl-C: stop the load and the steps, heal what was injected, then reject. */
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

/** Time from launching the load generator to its first request (it starts a Node process inside the user host). */
const LEAD_MS = 1500;

function sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, Math.max(0, t - Date.now()));
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

function untilAborted(signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason as Error);
    signal?.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
}

/** Checks a lab can take an experiment: every host up, no fault in force. */
function checkReady(lab: FaultLab): void {
  const faults = activeFaults(lab.state);
  if (faults.length)
    throw new UsageError(`lab ${lab.state.name} has ${faults.length} fault(s) in force (\`stacklab fault list\`); heal them first with \`stacklab fault heal --name ${lab.state.name}\``);
  const down = lab.state.hosts.filter((h) => !isAlive(h.init)).map((h) => h.name);
  if (down.length) throw new UsageError(`lab ${lab.state.name} has hosts down (${down.join(", ")}); start them with \`stacklab fault heal --name ${lab.state.name}\``);
}

/** Resolves a scenario on a lab without touching it: the steps it would run (throws when it cannot run there). */
export async function planExperiment(lab: FaultLab, scenario: Scenario, durationMs: number): Promise<{ steps: ResolvedStep[]; live: LiveRoles }> {
  const late = scenario.steps.find((s) => s.at >= durationMs);
  if (late) throw new UsageError(`the run lasts ${durationMs / 1000} s but a step is at ${late.at / 1000} s; give a longer --duration`);
  const live = await liveRoles(lab.state, lab.model);
  const steps = resolveSteps(scenario.steps, lab, live);
  checkSequence(steps, lab);
  return { steps, live };
}

function timingOf(records: StepRecord[], steps: ResolvedStep[], t0: number, t1: number): Timing {
  const abs = (v: number | null) => (v === null ? null : v + t0);
  const firstFault = records.findIndex((r, i) => r.ok && isFault(steps[i]!));
  const faultAt = firstFault >= 0 ? (records[firstFault]!.results[0]?.at ?? records[firstFault]!.startedAt) : null;
  const healIdx = firstFault >= 0 ? records.findIndex((r, i) => i > firstFault && !isFault(steps[i]!) && r.startedAt !== null && r.startedAt + t0 < t1) : -1;
  const h = healIdx >= 0 ? records[healIdx]! : undefined;
  return { t0, t1, faultAt: abs(faultAt), healAt: abs(h?.startedAt ?? null), healEnd: abs(h?.endedAt ?? null) };
}

/** Runs a scenario against a running lab and returns its report. */
export async function runExperiment(opts: ExperimentOptions): Promise<ExperimentReport> {
  // The experiment changes the lab (faults, operations): it holds the lab's lock from start to heal.
  const lock = await lockLab(openLab(opts.lab).state.name, `stacklab experiment ${opts.scenario.name}`);
  try {
    return await runLocked(opts);
  } finally {
    lock.release();
  }
}

async function runLocked(opts: ExperimentOptions): Promise<ExperimentReport> {
  const { scenario, signal } = opts;
  const say = opts.progress ?? (() => undefined);
  const { state, model } = openLab(opts.lab);
  const lab: FaultLab = { state, model, source: `experiment ${scenario.name}` };
  checkReady(lab);
  const durationMs = opts.durationMs ?? scenario.durationMs;
  const { steps, live: before } = await planExperiment(lab, scenario, durationMs);
  const design = designFacts(state, model);
  const expectations = applicableExpectations(scenario, design);
  await waitForSite(model, state, signal, 30_000);

  const runId = `${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, "")
    .slice(0, 14)}-${scenario.name}`.slice(0, 48);
  const dir = join(labDir(state.name), "experiments", runId);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now() + LEAD_MS;
  const writes = writesCheckable(model) ? scenario.load.writesPerSecond : 0;
  const writers = writesCheckable(model) ? (scenario.load.writers ?? 0) : 0;
  const config: LoadgenConfig = {
    origin: siteUrl(model).replace(/\/$/, ""),
    startAt: t0,
    durationMs,
    readsPerSecond: scenario.load.readsPerSecond,
    writesPerSecond: writes,
    ...(writers ? { writers } : {}),
    readPaths: scenario.load.paths,
    timeoutMs: scenario.load.timeoutMs,
    reuseConnections: scenario.load.reuseConnections,
    author: `x${runId.replace(/[^a-z0-9]/gi, "").slice(0, 40)}`,
    out: join(dir, "operations.jsonl"),
    stopFile: join(dir, "stop"),
    caFile: "/etc/ssl/certs/ca-certificates.crt",
    maxInFlight: 512,
  };
  writeFileSync(join(dir, "loadgen.json"), JSON.stringify(config, null, 2));
  const user = state.hosts.find((h) => h.name === "user")!;
  const startNotes = writes + writers > 0 && !before.writable.length ? ["no database host accepted writes when the run began, so every write was bound to fail"] : [];
  recordEvent(state.name, { time: t0, kind: "experiment", message: `experiment ${scenario.name} started`, source: lab.source });
  say(`load: ${scenario.load.readsPerSecond} reads/s + ${writesText({ writesPerSecond: writes, writers })} for ${durationMs / 1000} s from the user host`);
  const load = runInHost(user.init!.pid, [process.execPath, join(REPO_DIR, "dist/experiment/loadgen.js"), join(dir, "loadgen.json")], {
    check: false,
    timeoutMs: LEAD_MS + durationMs + scenario.load.timeoutMs + 30_000,
  });

  const records: StepRecord[] = [];
  const rel = (t: number) => Math.round(t - t0);
  let healed: FaultResult[] = [];
  let whole: Promise<WholeWatch> | null = null;
  try {
    for (const step of steps) {
      await sleepUntil(t0 + step.at, signal);
      const started = Date.now();
      const rec: StepRecord = { at: step.at, text: step.text, action: step.action, hosts: step.hosts, startedAt: rel(started), endedAt: null, ok: false, results: [] };
      records.push(rec);
      say(`+${(step.at / 1000).toFixed(2)} s  ${step.text}`);
      try {
        const results = await runStep(lab, step);
        rec.results = results.map((r) => ({ action: r.action, message: r.message, at: rel(r.at) }));
        const notReady = results.flatMap((r) => r.notReady ?? []);
        if (notReady.length) rec.notReady = notReady;
        rec.ok = true;
      } catch (err) {
        rec.error = (err as Error).message;
      }
      rec.endedAt = rel(Date.now());
    }
    // From the end of the heal, while the load goes on: how long the database tier takes to be whole on its own.
    const healEnd = timingOf(records, steps, t0, t0 + durationMs).healEnd;
    // (Only for a scenario that expects on it: polling the tier costs CPU the other scenarios' figures would feel.)
    if (healEnd !== null && healsItself(model) && expectations.some((e) => e.check.metric === "wholeAfterHeal")) whole = watchWhole(state, model, healEnd + WHOLE_WATCH_MS);
    const stop = untilAborted(signal);
    stop.catch(() => undefined);
    await Promise.race([load, stop]);
  } finally {
    if (signal?.aborted) {
      writeFileSync(config.stopFile, "");
      await Promise.race([load, new Promise((r) => setTimeout(r, scenario.load.timeoutMs + 2000))]);
    }
    // The lab had no fault before the run: healing everything undoes exactly what the run injected.
    if (activeFaults(state).length || state.hosts.some((h) => !isAlive(h.init))) {
      say("healing what the run injected");
      healed = await heal(lab);
    }
  }
  const loadResult = await load;
  const t1 = t0 + durationMs;
  const notes: string[] = [...startNotes];
  if (loadResult.code !== 0) notes.push(`the load generator ended with exit ${loadResult.code}: ${loadResult.stderr.trim().split("\n").slice(-3).join(" ")}`);
  for (const r of healed) if (r.notReady?.length) notes.push(...r.notReady.map((n) => `after the final heal, not ready: ${n}`));
  if (healed.length) notes.push(`healed after the load: ${healed.map((h) => h.message).join("; ")}`);
  try {
    await waitForSite(model, state, undefined, 30_000);
  } catch (err) {
    notes.push(`after healing, the site did not answer: ${(err as Error).message}`);
  }

  const wholeSeen = whole ? await whole : null;
  if (wholeSeen && wholeSeen.at === null) notes.push(`the database tier was not whole ${WHOLE_WATCH_MS / 1000} s after the heal: ${wholeSeen.why}`);
  const ops = readOperations(config.out);
  let writeCheck: WriteCheck | null = null;
  if (writes + writers > 0) {
    const found = await findWrites(state, model, config.author, ops);
    notes.push(...found.notes);
    writeCheck = checkWrites(ops, found.stored, found.checkedOn);
  }
  const timing = timingOf(records, steps, t0, t1);
  const figures = computeFigures(ops, timing, scenario.load.slowMs);
  const wholeAfterHeal = wholeSeen?.at && timing.healEnd !== null ? Math.max(0, wholeSeen.at - timing.healEnd) : null;
  const metrics = metricValues(figures, writeCheck, wholeAfterHeal);
  const results = expectations.map((e) => ({ ...evaluate(e.check, metrics[e.check.metric] ?? null), ...(e.why ? { why: e.why } : {}) }));
  const events = readEvents(state.name, t0 - LEAD_MS)
    .filter((e) => e.time <= Date.now())
    .map((e) => ({ t: rel(e.time), kind: e.kind, message: e.message, ...(e.host ? { host: e.host } : {}), ...(e.source ? { source: e.source } : {}) }));
  const failedSteps = records.filter((r) => !r.ok);
  for (const s of failedSteps) notes.push(`step "${s.text}" failed: ${s.error}`);
  const passed = results.every((r) => r.passed) && failedSteps.length === 0 && ops.length > 0;
  recordEvent(state.name, { kind: "experiment", message: `experiment ${scenario.name} ${passed ? "passed" : "failed"}`, source: lab.source });
  const report: ExperimentReport = {
    scenario: { name: scenario.name, description: scenario.description, ...(scenario.claim ? { claim: scenario.claim } : {}), source: scenario.source },
    lab: state.name,
    design,
    startedAt: new Date(t0).toISOString(),
    durationMs,
    load: { ...scenario.load, writesPerSecond: writes, ...(scenario.load.writers ? { writers } : {}) },
    steps: records,
    timing: {
      faultAt: timing.faultAt === null ? null : rel(timing.faultAt),
      healAt: timing.healAt === null ? null : rel(timing.healAt),
      healEnd: timing.healEnd === null ? null : rel(timing.healEnd),
      ...(whole ? { wholeAt: wholeSeen?.at ? rel(wholeSeen.at) : null } : {}),
    },
    figures,
    writes: writeCheck,
    metrics,
    expectations: results,
    passed,
    events,
    notes,
    files: { operations: config.out },
  };
  writeFileSync(join(dir, "report.json"), JSON.stringify(report, null, 2));
  return report;
}
