// Saturation, measured the right way: an open-loop load (requests sent at a fixed arrival rate whatever the
// answers, so slow answers cannot hide latency: the coordinated-omission critique behind wrk2) from the user
// host, a mix of page reads and writes, stepped up until p99 latency passes the target or errors pass the limit.
// Per step: offered and achieved rate, p50/p99, errors, each sized host's CPU against its size, and what the
// generator itself used. Result: the highest sustainable rate and the tier that binds (the busiest against its size).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { hostUsage } from "../runtime/cgroups.js";
import { runInHost } from "../runtime/host.js";
import { openLab } from "../runtime/lab.js";
import { lockLab } from "../runtime/lock.js";
import { labDir } from "../runtime/paths.js";
import { REPO_DIR } from "../runtime/repo.js";
import { siteUrl, waitForSite } from "../runtime/site.js";
import { UsageError } from "../spec/errors.js";
import { percentile } from "./checkers/latency.js";
import { readOperations, type LoadgenConfig, type Operation } from "./operations.js";

export interface SaturateOptions {
  lab?: string;
  /** The latency target: a step whose p99 passes it is past saturation. */
  p99Ms: number;
  /** The error limit, in percent of the requests of a step. */
  maxErrorPct: number;
  /** The first step's rate (requests per second) and how much each step multiplies it. */
  startRate: number;
  factor: number;
  /** Length of each step's load. */
  stepMs: number;
  /** At most this many steps (every loop stacklab runs is bounded). */
  maxSteps: number;
  /** Share of writes in the mix (0..1). */
  writeShare: number;
  /**
   * After the first step that misses the target, at most this many bisection steps between the last rate that met
   * it and the first that did not, so that the sustainable rate is not quantised by `factor` (default 0: none).
   */
  bisectSteps?: number;
  /** Bisection stops once the bracket is narrower than this share of its low end (default 0.05). */
  resolution?: number;
  /** The whole search stops starting steps after this long (default: no bound but the steps'). */
  maxMs?: number;
  /**
   * A step that misses the target is run again up to this many times at the same rate, and fails only if every run
   * does (default 0): on a shared machine one step's tail can be another tenant's burst, not the lab's limit.
   */
  confirmFailures?: number;
  /**
   * Before the first step, this long at the first step's rate, not counted (default 0: none). A lab just brought up
   * pays for its first connections, TLS handshakes, the app's database pools and Node's compiling of hot code in its
   * first seconds; counted, they were the p99 of the first step (1.4 s at 20 req/s with the app tier at 64%).
   */
  warmUpMs?: number;
  /** Page reads of the mix. */
  paths?: string[];
  signal?: AbortSignal;
  progress?: (line: string) => void;
}

/** One host's CPU during a step, against its size when it has one. */
export interface HostCpu {
  host: string;
  tier: string;
  /** Cores used on average over the step. */
  cores: number;
  /** cores / size (null for an unsized host: no cgroup, no size to compare with). */
  utilisation: number | null;
}

export interface SaturationStep {
  offered: number;
  /** Which stage of the search ran it: the ×factor climb, or the bisection after it (absent: the climb). */
  stage?: "climb" | "bisect";
  achieved: number;
  requests: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errorPct: number;
  /** Cores the load generator used on average (it runs in the user host, outside the design). */
  generatorCores: number;
  hosts: HostCpu[];
  /** Whether the step met the target; when not, why. */
  ok: boolean;
  why?: string;
}

export interface SaturationReport {
  lab: string;
  design: string;
  target: { p99Ms: number; maxErrorPct: number };
  steps: SaturationStep[];
  /** The highest offered rate that met the target (null when even the first did not). */
  sustainable: number | null;
  /** The tier busiest against its size at the sustainable step (or the first), with its utilisation. */
  bottleneck: { tier: string; utilisation: number } | null;
  stoppedBecause: string;
  /** Where the step records and the SVG were written. */
  dir: string;
}

/** The judgement of one step against the target. Pure. */
export function judgeStep(s: Omit<SaturationStep, "ok" | "why">, target: { p99Ms: number; maxErrorPct: number }): { ok: boolean; why?: string } {
  if (s.errorPct > target.maxErrorPct) return { ok: false, why: `${s.errorPct.toFixed(1)}% of requests failed (limit ${target.maxErrorPct}%)` };
  if (s.p99Ms === null) return { ok: false, why: "no request succeeded" };
  if (s.p99Ms > target.p99Ms) return { ok: false, why: `p99 ${Math.round(s.p99Ms)} ms passed the target ${target.p99Ms} ms` };
  if (s.achieved < s.offered * 0.9) return { ok: false, why: `only ${Math.round(s.achieved)} of ${s.offered} requests/s were answered in the step` };
  return { ok: true };
}

/** The busiest tier against its size (sized hosts only), averaged over the tier's hosts. Pure. */
export function bottleneckOf(hosts: readonly HostCpu[]): { tier: string; utilisation: number } | null {
  const byTier = new Map<string, number[]>();
  for (const h of hosts) if (h.utilisation !== null) byTier.set(h.tier, [...(byTier.get(h.tier) ?? []), h.utilisation]);
  let best: { tier: string; utilisation: number } | null = null;
  for (const [tier, us] of byTier) {
    const u = us.reduce((a, b) => a + b, 0) / us.length;
    if (!best || u > best.utilisation) best = { tier, utilisation: Math.round(u * 1000) / 1000 };
  }
  return best;
}

/** The figures of one step from its operations. Pure. */
export function stepFigures(ops: readonly Operation[], offered: number, stepMs: number): Pick<SaturationStep, "achieved" | "requests" | "p50Ms" | "p99Ms" | "errorPct"> {
  const times = ops
    .filter((o) => o.ok)
    .map((o) => o.end - o.start)
    .sort((a, b) => a - b);
  const failed = ops.filter((o) => !o.ok).length;
  return {
    achieved: Math.round((times.length / (stepMs / 1000)) * 10) / 10,
    requests: ops.length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    errorPct: ops.length ? (failed / ops.length) * 100 : 100,
  };
}

/** What the search needs to know of one step it ran. */
export interface StepOutcome {
  ok: boolean;
  why?: string;
  /** Set when the search must stop whatever the verdict (the generator failed, or would limit the next step). */
  stop?: string;
}

export interface SearchPlan {
  startRate: number;
  factor: number;
  maxSteps: number;
  bisectSteps: number;
  resolution: number;
  /** Wall-clock bound on the whole search, in ms (no new step starts past it). */
  maxMs?: number;
  /** Runs of a failed step again at the same rate before it counts as failed (default 0). */
  confirmFailures?: number;
  now?: () => number;
}

export interface SearchResult {
  /** The rates run, in order, with their stage and verdict. */
  rates: { rate: number; stage: "climb" | "bisect"; ok: boolean }[];
  sustainable: number | null;
  /** The first rate known to miss the target (null when none did). */
  failing: number | null;
  stoppedBecause: string;
}

/**
 * The saturation search: climb ×factor until a step misses the target, then bisect (geometric midpoint) between the
 * last rate that met it and the first that did not, for at most `bisectSteps` steps or until the bracket is narrower
 * than `resolution`. At most `maxSteps + bisectSteps` steps, none started past `maxMs`. `measure` runs one step.
 */
export async function searchSaturation(plan: SearchPlan, measure: (rate: number, stage: "climb" | "bisect", index: number) => Promise<StepOutcome>): Promise<SearchResult> {
  const now = plan.now ?? (() => performance.now());
  const t0 = now();
  const rates: SearchResult["rates"] = [];
  let sustainable: number | null = null;
  let failing: number | null = null;
  let stoppedBecause = `the ${plan.maxSteps} steps allowed ran without passing the target`;
  const outOfTime = () => plan.maxMs !== undefined && now() - t0 >= plan.maxMs;
  const raw = measure;
  let index = 0;
  // A failed step is confirmed by running it again (bounded by confirmFailures and the time bound); one pass is a pass.
  measure = async (rate, stage) => {
    let o = await raw(rate, stage, index++);
    for (let k = 0; k < (plan.confirmFailures ?? 0) && !o.ok && !o.stop && !outOfTime(); k++) {
      rates.push({ rate, stage, ok: false });
      o = await raw(rate, stage, index++);
    }
    return o;
  };
  let rate = plan.startRate;
  for (let i = 0; i < plan.maxSteps; i++) {
    if (outOfTime()) {
      stoppedBecause = `the search's time bound (${Math.round(plan.maxMs! / 1000)} s) ran out`;
      return { rates, sustainable, failing, stoppedBecause };
    }
    const o = await measure(rate, "climb", index);
    rates.push({ rate, stage: "climb", ok: o.ok });
    if (o.ok) sustainable = rate;
    if (o.stop) return { rates, sustainable, failing: o.ok ? null : rate, stoppedBecause: o.stop };
    if (!o.ok) {
      failing = rate;
      stoppedBecause = o.why ?? "the step missed the target";
      break;
    }
    rate = Math.round(rate * plan.factor);
  }
  if (failing === null || sustainable === null) return { rates, sustainable, failing, stoppedBecause };
  let lo = sustainable;
  let hi = failing;
  for (let j = 0; j < plan.bisectSteps; j++) {
    if ((hi - lo) / lo <= plan.resolution) break;
    const mid = Math.round(Math.sqrt(lo * hi));
    if (mid <= lo || mid >= hi) break;
    if (outOfTime()) {
      stoppedBecause += `; the bisection stopped at the search's time bound`;
      break;
    }
    const o = await measure(mid, "bisect", index);
    rates.push({ rate: mid, stage: "bisect", ok: o.ok });
    if (o.ok) lo = mid;
    else {
      hi = mid;
      stoppedBecause = o.why ?? stoppedBecause;
    }
    if (o.stop) {
      stoppedBecause = o.stop;
      break;
    }
  }
  return { rates, sustainable: lo, failing: hi, stoppedBecause: `${stoppedBecause} (bracket ${lo}-${hi} req/s)` };
}

const tierOf = (model: Model, host: string): string => {
  const h = model.hosts.find((x) => x.name === host)!;
  return h.roles.join("+");
};

/** Steps the load up on a running lab until it saturates; holds the lab's lock, always stops within its bounds. */
export async function saturate(opts: SaturateOptions): Promise<SaturationReport> {
  if (!(opts.startRate >= 1 && opts.startRate <= 5000)) throw new UsageError(`--from must be between 1 and 5000 requests/s; got ${opts.startRate}`);
  if (!(opts.factor > 1 && opts.factor <= 4)) throw new UsageError(`--factor must be more than 1 and at most 4; got ${opts.factor}`);
  if (!(opts.maxSteps >= 1 && opts.maxSteps <= 20)) throw new UsageError(`--steps must be between 1 and 20; got ${opts.maxSteps}`);
  if (opts.confirmFailures !== undefined && !(Number.isInteger(opts.confirmFailures) && opts.confirmFailures >= 0 && opts.confirmFailures <= 3))
    throw new UsageError(`--confirm must be a whole number between 0 and 3; got ${opts.confirmFailures}`);
  if (opts.bisectSteps !== undefined && !(Number.isInteger(opts.bisectSteps) && opts.bisectSteps >= 0 && opts.bisectSteps <= 10))
    throw new UsageError(`--bisect must be a whole number between 0 and 10; got ${opts.bisectSteps}`);
  if (!(opts.stepMs >= 2000 && opts.stepMs <= 60_000)) throw new UsageError("--step must be between 2s and 60s");
  const { state } = openLab(opts.lab);
  const lock = await lockLab(state.name, "stacklab experiment saturate");
  try {
    return await run(opts);
  } finally {
    lock.release();
  }
}

async function run(opts: SaturateOptions): Promise<SaturationReport> {
  const { state, model } = openLab(opts.lab);
  const say = opts.progress ?? (() => undefined);
  if (!model.hosts.some((h) => h.roles.includes("app"))) throw new UsageError("this design has no app tier: nothing to saturate");
  const target = { p99Ms: opts.p99Ms, maxErrorPct: opts.maxErrorPct };
  const dir = join(
    labDir(state.name),
    "experiments",
    `${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, "")
      .slice(0, 14)}-saturate`,
  );
  mkdirSync(dir, { recursive: true });
  const user = state.hosts.find((h) => h.name === "user")!;
  // Every server host is counted (an unsized one has a cgroup without limits); only sized ones can bind.
  const sized = model.hosts.filter((h) => h.size || h.kind === "server").map((h) => h.name);
  if (!model.hosts.some((h) => h.size)) say("no server has a size: each step reports latency and errors, but no tier can be named as the one that binds");
  await waitForSite(model, state, opts.signal, 30_000);
  const steps: SaturationStep[] = [];
  const measure = async (rate: number, stage: "climb" | "bisect", i: number, warmUpMs?: number): Promise<StepOutcome> => {
    opts.signal?.throwIfAborted();
    const name = warmUpMs === undefined ? `step-${i + 1}` : "warm-up";
    const writes = Math.round(rate * opts.writeShare * 10) / 10;
    const config: LoadgenConfig = {
      origin: siteUrl(model).replace(/\/$/, ""),
      startAt: Date.now() + 500,
      durationMs: warmUpMs ?? opts.stepMs,
      readsPerSecond: Math.round((rate - writes) * 10) / 10,
      writesPerSecond: writes,
      readPaths: opts.paths ?? ["/", "/api/entries?limit=5"],
      timeoutMs: Math.max(1000, opts.p99Ms * 10),
      reuseConnections: true,
      author: `saturate${i}`,
      out: join(dir, `${name}.jsonl`),
      stopFile: join(dir, "stop"),
      caFile: "/etc/ssl/certs/ca-certificates.crt",
      maxInFlight: 2048,
    };
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(config, null, 2));
    const before = new Map(sized.map((h) => [h, hostUsage(state.name, h)]));
    const t0 = performance.now();
    const r = await runInHost(user.init!.pid, [process.execPath, join(REPO_DIR, "dist/experiment/loadgen.js"), join(dir, `${name}.json`)], {
      check: false,
      timeoutMs: config.durationMs + config.timeoutMs + 30_000,
    });
    if (warmUpMs !== undefined) {
      if (r.code !== 0) return { ok: false, why: "the warm-up failed", stop: `the load generator failed: ${r.stderr.trim().split("\n").slice(-1)[0] ?? `exit ${r.code}`}` };
      return { ok: true, why: "" };
    }
    const seconds = (performance.now() - t0) / 1000;
    const hosts: HostCpu[] = sized.map((h) => {
      const a = before.get(h);
      const b = hostUsage(state.name, h);
      const cores = a && b ? (b.cpuSeconds - a.cpuSeconds) / seconds : 0;
      const size = model.hosts.find((x) => x.name === h)!.size?.cpu;
      return { host: h, tier: tierOf(model, h), cores: Math.round(cores * 1000) / 1000, utilisation: size ? Math.round((cores / size) * 1000) / 1000 : null };
    });
    let generatorCpu = 0;
    try {
      generatorCpu = (JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { cpuSeconds?: number }).cpuSeconds ?? 0;
    } catch {
      // an older generator: no CPU figure
    }
    const figures = stepFigures(readOperations(config.out), rate, opts.stepMs);
    const partial = { offered: rate, ...figures, generatorCores: Math.round((generatorCpu / seconds) * 100) / 100, hosts };
    const verdict = judgeStep(partial, target);
    const step: SaturationStep = { offered: rate, stage, ...figures, generatorCores: partial.generatorCores, hosts, ...verdict };
    steps.push(step);
    say(
      `${String(rate).padStart(6)} req/s offered${stage === "bisect" ? " (bisecting)" : ""}: ${step.achieved} answered/s, p50 ${fmt(step.p50Ms)}, p99 ${fmt(step.p99Ms)}, ${step.errorPct.toFixed(1)}% errors${verdict.ok ? "" : ` -> ${verdict.why}`}`,
    );
    if (r.code !== 0) return { ...verdict, stop: `the load generator failed: ${r.stderr.trim().split("\n").slice(-1)[0] ?? `exit ${r.code}`}` };
    // The generator must not be what limits the rate: past most of a core, its figures say more about it than about the lab.
    if (verdict.ok && partial.generatorCores > 0.9) return { ...verdict, stop: `the load generator used ${partial.generatorCores} cores: it, not the lab, would limit the next step` };
    return verdict;
  };
  if (opts.warmUpMs) {
    say(`warm-up: ${opts.startRate} req/s for ${(opts.warmUpMs / 1000).toFixed(0)} s, not counted (first connections, TLS sessions, the app's compiled code)`);
    const warm = await measure(opts.startRate, "climb", -1, opts.warmUpMs);
    if (warm.stop) throw new Error(warm.stop);
  }
  const search = await searchSaturation(
    {
      startRate: opts.startRate,
      factor: opts.factor,
      maxSteps: opts.maxSteps,
      bisectSteps: opts.bisectSteps ?? 0,
      resolution: opts.resolution ?? 0.05,
      confirmFailures: opts.confirmFailures ?? 0,
      ...(opts.maxMs !== undefined ? { maxMs: opts.maxMs } : {}),
    },
    measure,
  );
  const stoppedBecause = search.stoppedBecause;
  const sustainable = search.sustainable;
  // The tier that binds: the busiest against its size at the first rate that missed the target (or the last step run).
  const at = [...steps].reverse().find((s) => s.offered === search.failing) ?? steps[steps.length - 1];
  const report: SaturationReport = { lab: state.name, design: state.source, target, steps, sustainable, bottleneck: at ? bottleneckOf(at.hosts) : null, stoppedBecause, dir };
  writeFileSync(join(dir, "report.json"), JSON.stringify(report, null, 2));
  writeFileSync(join(dir, "latency.svg"), latencySvg(report));
  return report;
}

function fmt(ms: number | null): string {
  return ms === null ? "-" : `${Math.round(ms)} ms`;
}

/** Latency against load: p50 and p99 of each step, and the target. Pure. */
export function latencySvg(r: SaturationReport): string {
  const W = 640;
  const H = 320;
  const m = { l: 60, r: 20, t: 30, b: 40 };
  const xs = r.steps.map((s) => s.offered);
  const maxX = Math.max(...xs, 1);
  const maxY = Math.max(r.target.p99Ms * 1.5, ...r.steps.map((s) => Math.min(s.p99Ms ?? 0, r.target.p99Ms * 4)));
  const x = (v: number) => m.l + (v / maxX) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (Math.min(v, maxY) / maxY) * (H - m.t - m.b);
  const line = (pick: (s: SaturationStep) => number | null, color: string) => {
    const pts = r.steps.filter((s) => pick(s) !== null).map((s) => `${x(s.offered).toFixed(1)},${y(pick(s)!).toFixed(1)}`);
    return pts.length
      ? `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>${pts.map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3" fill="${color}"/>`).join("")}`
      : "";
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<text x="${m.l}" y="18">Latency against offered load (${r.design}); sustainable: ${r.sustainable ?? "none"} req/s</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#888"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#888"/>`,
    `<line x1="${m.l}" y1="${y(r.target.p99Ms)}" x2="${W - m.r}" y2="${y(r.target.p99Ms)}" stroke="#c33" stroke-dasharray="4 4"/><text x="${W - m.r - 120}" y="${y(r.target.p99Ms) - 4}" fill="#c33">p99 target ${r.target.p99Ms} ms</text>`,
    line((s) => s.p50Ms, "#36c"),
    line((s) => s.p99Ms, "#e80"),
    ...r.steps.map((s) => `<text x="${x(s.offered)}" y="${H - m.b + 16}" text-anchor="middle">${s.offered}</text>`),
    `<text x="${(W - m.r + m.l) / 2}" y="${H - 6}" text-anchor="middle">offered requests/s</text>`,
    `<text x="${m.l - 8}" y="${y(maxY) + 4}" text-anchor="end">${Math.round(maxY)} ms</text><text x="${m.l - 8}" y="${H - m.b}" text-anchor="end">0</text>`,
    `<text x="${m.l + 8}" y="${m.t + 14}" fill="#36c">p50</text><text x="${m.l + 40}" y="${m.t + 14}" fill="#e80">p99</text>`,
    "</svg>",
    "",
  ].join("");
}
