// The seeds' scalability claims as experiments with expectations, each on fresh labs whose servers have sizes
// (so that one design cannot borrow another host's CPU): design 0 overloaded by a surge, designs 0 and 3 at the
// same per-server size, and design 3's app tier at 1, 2 and 4 servers.
import { loadBlueprint } from "../blueprints/index.js";
import type { Stack } from "../spec/schema.js";
import type { Size } from "../spec/size.js";
import { up } from "../runtime/up.js";
import { down } from "../runtime/down.js";
import { saturate, type SaturateOptions, type SaturationReport, type SaturationStep } from "./saturate.js";

export const CLAIM_NAMES = ["surge", "tiers", "app-scaling"] as const;
export type ClaimName = (typeof CLAIM_NAMES)[number];

/** One configuration measured for a claim. */
export interface ClaimConfig {
  label: string;
  sustainable: number | null;
  bottleneck: { tier: string; utilisation: number } | null;
  stoppedBecause: string;
}

export interface ClaimResult {
  name: ClaimName;
  /** The seed's claim, in its terms. */
  claim: string;
  /** What must hold, in words. */
  expectation: string;
  configs: ClaimConfig[];
  /** The figures the expectation reads (ratios, the surge's p99). */
  figures: Record<string, number | null>;
  passed: boolean;
  why: string;
}

export interface ClaimOptions {
  /** Lab name prefix (each configuration gets `<prefix>-<n>`). */
  prefix: string;
  saturate: Pick<SaturateOptions, "p99Ms" | "maxErrorPct" | "startRate" | "factor" | "stepMs" | "maxSteps" | "writeShare" | "bisectSteps" | "confirmFailures">;
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export const SMALL: Size = { cpu: 0.25, memory: "384Mi" };
export const ROOMY: Size = { cpu: 0.5, memory: "512Mi" };

/** A blueprint with every server group (and the load balancers) given `size`, and optional group counts. */
export function sized(blueprint: string, size: Size, override: (s: Stack) => Stack = (s) => s): Stack {
  const s = loadBlueprint(blueprint);
  return override({ ...s, servers: s.servers.map((g) => ({ ...g, size })), ...(s.loadBalancer ? { loadBalancer: { ...s.loadBalancer, size } } : {}) });
}

/** Design 3 with its app tier at `apps` small servers and every other tier roomy, so the app tier binds first. */
export function appTier(apps: number): Stack {
  return sized("3", ROOMY, (s) => ({ ...s, servers: s.servers.map((g) => (g.roles.length === 1 && g.roles[0] === "app" ? { ...g, count: apps, size: SMALL } : g)) }));
}

/** The ratio of two sustainable rates; null when either is unknown or the base is zero. */
export function ratio(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null;
}

/** Verdicts of the claims from their figures. Pure. */
export function judgeTiers(d0: number | null, d3: number | null): { passed: boolean; why: string; ratio: number | null } {
  const r = ratio(d3, d0);
  if (r === null) return { passed: false, why: "a design did not sustain any step", ratio: r };
  return { passed: r >= 1.8, why: `design 3 sustained ${r}x design 0's rate (${d3} vs ${d0} req/s; at least 1.8x expected)`, ratio: r };
}

export function judgeAppScaling(rates: (number | null)[]): { passed: boolean; why: string; ratio: number | null } {
  const r = ratio(rates[1] ?? null, rates[0] ?? null);
  if (r === null) return { passed: false, why: "a configuration did not sustain any step", ratio: r };
  return { passed: r >= 1.7, why: `2 app servers sustained ${r}x one (${rates[1]} vs ${rates[0]} req/s; at least 1.7x expected)`, ratio: r };
}

export function judgeSurge(surge: Pick<SaturationStep, "ok" | "p99Ms" | "errorPct">, after: Pick<SaturationStep, "ok" | "p99Ms" | "errorPct">): { passed: boolean; why: string } {
  if (surge.ok) return { passed: false, why: `the surge did not overload the server (p99 ${surge.p99Ms} ms, ${surge.errorPct.toFixed(1)}% errors)` };
  if (!after.ok) return { passed: false, why: `the server did not recover after the surge (p99 ${after.p99Ms} ms, ${after.errorPct.toFixed(1)}% errors)` };
  return {
    passed: true,
    why: `under the surge p99 was ${surge.p99Ms === null ? "-" : Math.round(surge.p99Ms)} ms with ${surge.errorPct.toFixed(1)}% errors; after it, p99 ${after.p99Ms === null ? "-" : Math.round(after.p99Ms)} ms`,
  };
}

/** Brings a design up as a fresh lab, runs `body` on it, and always takes it down. */
export async function onLab<T>(lab: string, stack: Stack, label: string, opts: Pick<ClaimOptions, "progress" | "signal">, body: (lab: string) => Promise<T>): Promise<T> {
  const say = opts.progress ?? (() => undefined);
  say(`${label}: bringing ${lab} up`);
  await down(lab, { quiet: true });
  await up(stack, {
    name: lab,
    source: label,
    publish: false,
    progress: { step: () => undefined, done: () => undefined, warn: (w) => say(`  ${w}`) },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  try {
    return await body(lab);
  } finally {
    await down(lab, { quiet: true });
  }
}

async function measure(lab: string, stack: Stack, label: string, opts: ClaimOptions): Promise<{ config: ClaimConfig; report: SaturationReport }> {
  const say = opts.progress ?? (() => undefined);
  const report = await onLab(lab, stack, label, opts, (l) => saturate({ ...opts.saturate, lab: l, progress: (m) => say(`  ${m}`), ...(opts.signal ? { signal: opts.signal } : {}) }));
  return { config: { label, sustainable: report.sustainable, bottleneck: report.bottleneck, stoppedBecause: report.stoppedBecause }, report };
}

/** Runs one claim on fresh labs. */
export async function runClaim(name: ClaimName, opts: ClaimOptions): Promise<ClaimResult> {
  const say = opts.progress ?? (() => undefined);
  if (name === "tiers") {
    const a = await measure(`${opts.prefix}-0`, sized("0", SMALL), "design 0, one server of 0.25 core", opts);
    const b = await measure(`${opts.prefix}-3`, sized("3", SMALL), "design 3, every server 0.25 core", opts);
    const v = judgeTiers(a.config.sustainable, b.config.sustainable);
    return {
      name,
      claim: "design 3 separates the tiers for independent scaling and adds servers for capacity",
      expectation: "design 3 sustains at least 1.8x design 0's rate at the same per-server size",
      configs: [a.config, b.config],
      figures: { ratio: v.ratio },
      passed: v.passed,
      why: v.why,
    };
  }
  if (name === "app-scaling") {
    const configs: ClaimConfig[] = [];
    for (const n of [1, 2, 4]) configs.push((await measure(`${opts.prefix}-a${n}`, appTier(n), `design 3, ${n} app server(s) of 0.25 core, other tiers 0.5`, opts)).config);
    const v = judgeAppScaling(configs.map((c) => c.sustainable));
    const next = configs[2]?.bottleneck;
    return {
      name,
      claim: "adding a server to a tier adds capacity, until another tier binds",
      expectation: "the app tier at 2 servers sustains at least 1.7x one; the report names the tier that binds next",
      configs,
      figures: { ratio12: v.ratio, ratio24: ratio(configs[2]?.sustainable ?? null, configs[1]?.sustainable ?? null) },
      passed: v.passed,
      why: `${v.why}; at 4 app servers the tier that binds is ${next ? `${next.tier} (${Math.round(next.utilisation * 100)}% of its size)` : "not known"}`,
    };
  }
  // surge: saturate design 0, then offer 3x its sustainable rate, then half of it again.
  return onLab(`${opts.prefix}-s`, sized("0", ROOMY), "design 0, one server of 0.5 core", opts, async (lab): Promise<ClaimResult> => {
    const base = await saturate({ ...opts.saturate, lab, progress: (m) => say(`  ${m}`), ...(opts.signal ? { signal: opts.signal } : {}) });
    const config = { label: "design 0, one server of 0.5 core", sustainable: base.sustainable, bottleneck: base.bottleneck, stoppedBecause: base.stoppedBecause };
    if (base.sustainable === null)
      return {
        name,
        claim: "one server is limited in how much traffic it can handle: a surge slows it to a crawl",
        expectation: "3x the sustainable rate blows p99 or errors up, and the server recovers after",
        configs: [config],
        figures: {},
        passed: false,
        why: "design 0 did not sustain any step",
      };
    // The surge and the step after it are not warmed up: the lab is warm from the search, and the surge is the point.
    const step = (rate: number) =>
      saturate({ ...opts.saturate, lab, startRate: rate, maxSteps: 1, bisectSteps: 0, warmUpMs: 0, progress: (m) => say(`  ${m}`), ...(opts.signal ? { signal: opts.signal } : {}) });
    say(`  surge: ${3 * base.sustainable} req/s`);
    const surge = (await step(3 * base.sustainable)).steps[0]!;
    say(`  after the surge: ${Math.max(1, Math.round(base.sustainable / 2))} req/s`);
    const after = (await step(Math.max(1, Math.round(base.sustainable / 2)))).steps[0]!;
    const v = judgeSurge(surge, after);
    return {
      name,
      claim: "one server is limited in how much traffic it can handle: a surge slows it to a crawl",
      expectation: "3x the sustainable rate blows p99 or errors up, and the server recovers after",
      configs: [config],
      figures: { sustainable: base.sustainable, surgeP99Ms: surge.p99Ms, surgeErrorPct: surge.errorPct, afterP99Ms: after.p99Ms },
      passed: v.passed,
      why: v.why,
    };
  });
}
