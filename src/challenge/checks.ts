// `challenge check`: runs a challenge's checks on a running lab with the real experiments, audit and plan,
// one after the other (an experiment needs the lab to itself), and judges them in a learner's words.
import type { DashboardReader } from "../audit/context.js";
import { analyze } from "../analysis/index.js";
import { audit } from "../audit/run.js";
import { runExperiment } from "../experiment/run.js";
import { saturate } from "../experiment/saturate.js";
import { loadScenario, parseScenario } from "../experiment/scenario-load.js";
import type { Scenario } from "../experiment/scenario.js";
import { dbStatus } from "../failover/lab.js";
import { activeAlerts, MonitoringUnavailableError } from "../monitoring/query.js";
import { runInHost } from "../runtime/host.js";
import { siteUrl } from "../runtime/site.js";
import { isAlive } from "../runtime/state.js";
import { loadLab } from "../runtime/status.js";
import type { Challenge, ChallengeCheck } from "./schema.js";
import { auditVerdict, checkPassed, experimentVerdict, planVerdict, saturationVerdict, sizeVerdict, type CheckVerdict, type Verdict, type VerdictLine } from "./verdict.js";

type Say = (message: string) => void;
/** How checks run: progress lines, and a signal that stops an experiment and heals what it injected (Ctrl-C). */
interface RunContext {
  say: Say;
  signal?: AbortSignal;
  /** Reads the lab's dashboard for the audit's secrets check (handed in by the CLI, which sits above the dashboard). */
  dashboardAnswers: DashboardReader;
}
interface Result {
  lines: VerdictLine[];
  context?: string[];
}

/** A scenario with the challenge's expectations instead of its own per-design ones. */
function withExpectations(scenario: Scenario, check: Extract<ChallengeCheck, { expect: unknown }>): Scenario {
  return { ...scenario, expect: [{ check: check.expect }] };
}

/** Steady visitor traffic with nothing broken: a scenario needs a step, and healing nothing changes nothing. */
function trafficScenario(durationMs: number): Scenario {
  const text = `description: Steady visitor traffic, nothing broken.\nduration: ${durationMs}ms\nsteps:\n  - at: 500ms\n    heal: all\n`;
  return parseScenario(text, "traffic", "challenge traffic");
}

async function experimentCheck(lab: string, scenario: Scenario, ctx: RunContext): Promise<Result> {
  const report = await runExperiment({ lab, scenario, progress: (m) => ctx.say(`  ${m}`), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return experimentVerdict(report, report.expectations);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A burst of requests from the visitor's host, then the alert must fire (and must not fire before it). */
async function alertCheck(lab: string, check: Extract<ChallengeCheck, { kind: "alert" }>, say: Say): Promise<Result> {
  const { state, model } = loadLab(lab);
  if (!model.monitoring.host) return { lines: [{ passed: false, text: `nothing watches the site: the design has no monitoring host to raise ${check.name}` }] };
  let before;
  try {
    before = await activeAlerts(lab);
  } catch (err) {
    if (err instanceof MonitoringUnavailableError) return { lines: [{ passed: false, text: `nothing watches the site: the design has no monitoring host to raise ${check.name} (${err.message})` }] };
    throw err;
  }
  if (before.some((a) => a.name === check.name && a.state === "firing"))
    return { lines: [{ passed: false, text: `${check.name} fires before any surge: its threshold is below the site's everyday traffic, so it tells nobody anything` }] };
  const user = state.hosts.find((h) => h.name === "user");
  if (!user?.init || !isAlive(user.init)) return { lines: [{ passed: false, text: "the visitor's host is down: no surge can be sent" }] };
  const seconds = Math.round(check.surgeMs / 1000);
  say(`  a surge of requests for ${seconds} s from the visitor's host`);
  const started = Date.now();
  const wrk = await runInHost(user.init.pid, ["wrk", "-t1", "-c8", `-d${seconds}s`, "--timeout", "2s", `${siteUrl(model)}healthz`], { check: false, timeoutMs: check.surgeMs + 20_000 });
  const rate = /Requests\/sec:\s*([\d.]+)/.exec(wrk.stdout)?.[1];
  const context = [`surge: ${rate ? `${Math.round(Number(rate))} requests/s` : "wrk gave no rate"} for ${seconds} s${wrk.code ? ` (wrk exit ${wrk.code}: ${wrk.stderr.trim().split("\n")[0]})` : ""}`];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const fired = (await activeAlerts(lab)).find((a) => a.name === check.name && a.state === "firing");
    if (fired) return { context, lines: [{ passed: true, text: `${check.name} fired ${((Date.now() - started) / 1000).toFixed(1)} s after the surge began: ${fired.summary || fired.description}` }] };
    await sleep(1000);
  }
  return { context, lines: [{ passed: false, text: `${check.name} did not fire within 30 s of the surge's end: is there a rule for it (monitoring.qpsAlert), with a threshold the surge reaches?` }] };
}

async function replicationCheck(lab: string): Promise<Result> {
  const { state, model } = loadLab(lab);
  const db = await dbStatus(state, model);
  if (!db.primary) return { lines: [{ passed: false, text: `no single database server takes writes (writable: ${db.writable.join(", ") || "none"})` }] };
  const replicas = db.servers.filter((s) => s.host !== db.primary);
  if (!replicas.length) return { lines: [{ passed: false, text: `${db.primary} is the only database server: nothing holds a copy of the data` }] };
  return {
    lines: replicas.map((s) => {
      const r = s.db.replica;
      if (!s.hostUp || !s.db.up) return { passed: false, text: `${s.host}: the database server does not answer` };
      if (!r) return { passed: false, text: `${s.host}: follows no primary` };
      const ok = r.io === "Yes" && r.sqlRunning;
      const lag = r.secondsBehind === null ? "" : `, ${r.secondsBehind} s behind`;
      const err = r.lastIoError || r.lastSqlError;
      return {
        passed: ok,
        text: `${s.host}: ${ok ? `replicates from ${db.primary}${lag}` : `does not replicate (receiving: ${r.io}, applying: ${r.sqlRunning ? "Yes" : "No"}${err ? `, error: ${err}` : ""})`}`,
      };
    }),
  };
}

/** How long the saturation check's warm-up lasts. */
const WARM_UP_MS = 4000;

/** Every server no bigger than the size, then one open-loop step at the rate (no search: the rate is the goal). */
async function saturationCheck(lab: string, check: Extract<ChallengeCheck, { kind: "saturation" }>, ctx: RunContext): Promise<Result> {
  const { model } = loadLab(lab);
  const servers = model.hosts.filter((h) => h.kind === "server").map((h) => ({ host: h.name, ...(h.size ? { size: h.size } : {}) }));
  const sizes = sizeVerdict(servers, check.size);
  if (!checkPassed(sizes)) return { lines: [...sizes, { passed: false, text: `no load was sent: the rate only counts with servers of at most ${check.size.cpu} core and ${check.size.memory}` }] };
  // A warm-up at half the rate, not judged: servers just started (cold JIT, empty caches) answer their first
  // seconds of load slowly, as any load test's warm-up allows for.
  const warmRate = Math.max(1, Math.round(check.rate / 2));
  ctx.say(`  warm-up: ${warmRate} requests/s for ${WARM_UP_MS / 1000} s (not judged)`);
  await saturate({
    lab,
    p99Ms: check.p99Ms,
    maxErrorPct: check.maxErrorPct,
    startRate: warmRate,
    factor: 2,
    stepMs: WARM_UP_MS,
    maxSteps: 1,
    writeShare: check.writeShare,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  ctx.say(`  ${check.rate} requests/s for ${Math.round(check.stepMs / 1000)} s from the visitor's host`);
  const report = await saturate({
    lab,
    p99Ms: check.p99Ms,
    maxErrorPct: check.maxErrorPct,
    startRate: check.rate,
    factor: 2,
    stepMs: check.stepMs,
    maxSteps: 1,
    writeShare: check.writeShare,
    progress: (m) => ctx.say(`  ${m.trim()}`),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const step = report.steps[0];
  if (!step) return { lines: [...sizes, { passed: false, text: `no step of load ran: ${report.stoppedBecause}` }] };
  const v = saturationVerdict(step, report.target);
  return { lines: [...sizes, ...v.lines], context: v.context };
}

async function runOne(lab: string, check: ChallengeCheck, ctx: RunContext): Promise<Result> {
  switch (check.kind) {
    case "experiment":
      return experimentCheck(lab, withExpectations(loadScenario(check.scenario), check), ctx);
    case "traffic":
      return experimentCheck(lab, withExpectations(trafficScenario(check.durationMs), check), ctx);
    case "audit":
      return { lines: auditVerdict(await audit(lab, ctx.dashboardAnswers), check.ids) };
    case "plan":
      return { lines: planVerdict(analyze(loadLab(lab).model).findings, check.without) };
    case "alert":
      return alertCheck(lab, check, ctx.say);
    case "replication":
      return replicationCheck(lab);
    case "saturation":
      return saturationCheck(lab, check, ctx);
  }
}

/** Runs every check of a challenge on a running lab; a check that cannot run fails with the reason; an aborted run rejects. */
export async function checkChallenge(challenge: Challenge, lab: string, dashboardAnswers: DashboardReader, say: Say = () => undefined, signal?: AbortSignal): Promise<Verdict> {
  const at = new Date().toISOString();
  const checks: CheckVerdict[] = [];
  for (const check of challenge.check) {
    say(`checking: ${check.says}`);
    const started = performance.now();
    let result: Result;
    try {
      result = await runOne(lab, check, { say, dashboardAnswers, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw err;
      result = { lines: [{ passed: false, text: `the check could not run: ${(err as Error).message.split("\n")[0]}` }] };
    }
    checks.push({ kind: check.kind, says: check.says, passed: checkPassed(result.lines), lines: result.lines, context: result.context ?? [], durationMs: Math.round(performance.now() - started) });
  }
  return { challenge: challenge.name, lab, at, passed: checks.every((c) => c.passed), checks };
}
