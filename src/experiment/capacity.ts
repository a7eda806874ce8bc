// Capacity planning measured on the lab: each tier's service demand (CPU seconds per request, from its cgroup's
// accounting at a light and a moderate load, minus what it burns idle: the utilisation law U = X·D), then the
// queueing model of analysis/capacity.ts answers servers per tier for a rate and a p99 target. `verify` checks the
// model against the lab: the saturation it predicts from the demands against the saturation the search measures,
// on configurations that fit this machine, in the same run.
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { currentConfig, predictSaturation, type TierDemand } from "../analysis/capacity.js";
import { sizeBudget } from "../analysis/sizes.js";
import { buildModel } from "../model/build.js";
import type { Model } from "../model/types.js";
import { hostUsage } from "../runtime/cgroups.js";
import { openLab } from "../runtime/lab.js";
import { UsageError } from "../spec/errors.js";
import type { Stack } from "../spec/schema.js";
import type { Size } from "../spec/size.js";
import { onLab, ROOMY, SMALL, sized } from "./claims.js";
import { saturate, type SaturationStep } from "./saturate.js";

export interface HostDemand {
  host: string;
  tier: string;
  /** Cores it used with no load, and under the moderate load. */
  idleCores: number;
  loadCores: number;
  /** CPU ms per request: (loadCores − idleCores) / answered rate. */
  demandMs: number;
}

export interface DemandMeasurement {
  lab: string;
  design: string;
  /** The light step (its p99 is the model's base latency) and the moderate one (the demands come from it). */
  light: Pick<SaturationStep, "offered" | "achieved" | "p50Ms" | "p99Ms" | "errorPct">;
  moderate: Pick<SaturationStep, "offered" | "achieved" | "p50Ms" | "p99Ms" | "errorPct">;
  hosts: HostDemand[];
  tiers: TierDemand[];
  baseP99Ms: number;
  /** The load generator's cost, and the rate it could offer before it used 0.9 of a core. */
  generator: { coresPerRequest: number; ceiling: number | null };
}

export interface MeasureOptions {
  lab?: string;
  p99Ms: number;
  stepMs: number;
  writeShare: number;
  /** The light step's rate (default 20 req/s). */
  lightRate?: number;
  signal?: AbortSignal;
  progress?: (line: string) => void;
}

const tierOf = (model: Model, host: string) => model.hosts.find((h) => h.name === host)!.roles.join("+");

/** Whether adding a server to a tier adds capacity: a load balancer spreads its requests, and it holds no database or balancer. */
export function scalableTier(model: Model, tier: string): boolean {
  const roles = tier.split("+");
  return model.hosts.some((h) => h.roles.includes("lb")) && !roles.includes("db") && !roles.includes("lb");
}

/** Gives every server group (and the load balancers) without a size `size`. */
export function withSizes(stack: Stack, size: Size): Stack {
  return {
    ...stack,
    servers: stack.servers.map((g) => (g.size ? g : { ...g, size })),
    ...(stack.loadBalancer ? { loadBalancer: stack.loadBalancer.size ? stack.loadBalancer : { ...stack.loadBalancer, size } } : {}),
  };
}

/** Refuses a design capacity cannot model: no app tier (nothing answers the requests the model counts). */
export function checkCapacityDesign(stack: Stack | Model): Model {
  const model = "hosts" in stack ? stack : buildModel(stack);
  if (!model.hosts.some((h) => h.roles.includes("app"))) throw new UsageError("this design has no app tier: capacity models the requests an app answers, and nothing here answers them");
  return model;
}

/** Groups per-host demands into tiers. Pure. */
export function tiersOf(model: Model, hosts: readonly HostDemand[]): TierDemand[] {
  const byTier = new Map<string, HostDemand[]>();
  for (const h of hosts) byTier.set(h.tier, [...(byTier.get(h.tier) ?? []), h]);
  return [...byTier].map(([tier, hs]) => {
    const demand = hs.reduce((n, h) => n + h.demandMs, 0) / 1000;
    const busiest = Math.max(...hs.map((h) => h.demandMs)) / 1000;
    const cpu = Math.min(...hs.map((h) => model.hosts.find((x) => x.name === h.host)!.size!.cpu));
    return { tier, hosts: hs.map((h) => h.host), cpu, demand, busiestShare: demand > 0 ? busiest / demand : 1 / hs.length, scalable: scalableTier(model, tier) };
  });
}

/** Measures each tier's service demand on a running lab whose servers all have sizes. */
export async function measureDemand(opts: MeasureOptions): Promise<DemandMeasurement> {
  const { state, model } = openLab(opts.lab);
  const say = opts.progress ?? (() => undefined);
  checkCapacityDesign(model);
  const servers = model.hosts.filter((h) => h.kind === "server");
  const unsized = servers.filter((h) => !h.size).map((h) => h.name);
  if (unsized.length) throw new UsageError(`capacity needs every server sized (the model counts cores): ${unsized.join(", ")} ha${unsized.length > 1 ? "ve" : "s"} no size`);
  // What each host burns with no requests (agents, health checks, exporters): not part of any request's demand.
  const idleSeconds = 4;
  const a = new Map(servers.map((h) => [h.name, hostUsage(state.name, h.name)]));
  await sleep(idleSeconds * 1000, undefined, opts.signal ? { signal: opts.signal } : {});
  const idle = new Map(servers.map((h) => [h.name, ((hostUsage(state.name, h.name)?.cpuSeconds ?? 0) - (a.get(h.name)?.cpuSeconds ?? 0)) / idleSeconds]));
  const one = async (rate: number, stepMs = opts.stepMs) => {
    const r = await saturate({
      lab: state.name,
      p99Ms: opts.p99Ms,
      maxErrorPct: 1,
      startRate: rate,
      factor: 1.5,
      stepMs,
      maxSteps: 1,
      bisectSteps: 0,
      writeShare: opts.writeShare,
      progress: say,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return r.steps[0]!;
  };
  const demands = (s: SaturationStep): HostDemand[] =>
    servers.map((h) => {
      const loadCores = s.hosts.find((x) => x.host === h.name)?.cores ?? 0;
      const idleCores = idle.get(h.name) ?? 0;
      return { host: h.name, tier: tierOf(model, h.name), idleCores, loadCores, demandMs: s.achieved > 0 ? (Math.max(0, loadCores - idleCores) / s.achieved) * 1000 : 0 };
    });
  const lightRate = opts.lightRate ?? 20;
  // A warm-up first (connections, TLS sessions, the app's first queries), not counted.
  say(`warm-up, ${lightRate} req/s`);
  await one(lightRate, 3000);
  say(`light load, ${lightRate} req/s: the base latency`);
  let light = await one(lightRate);
  // One second chance: on a shared machine one step's tail can be another lab's burst.
  if (!light.ok) light = await one(lightRate);
  if (!light.ok) throw new UsageError(`even ${lightRate} requests/s miss the target on this design (${light.why}): the target cannot be reached here; raise --p99 or give the servers more CPU`);
  // The moderate load: about 40% of the rate at which the busiest host (by the light step's demands) would be full.
  const first = demands(light);
  const full = Math.min(...first.filter((h) => h.demandMs > 0).map((h) => (model.hosts.find((x) => x.name === h.host)!.size!.cpu / h.demandMs) * 1000));
  const moderateRate = Math.round(Math.min(3000, Math.max(lightRate * 1.5, Number.isFinite(full) ? full * 0.4 : lightRate * 4)));
  say(`moderate load, ${moderateRate} req/s: each tier's demand`);
  const moderate = await one(moderateRate);
  const hosts = moderate.achieved > 0 ? demands(moderate) : first;
  const pick = (s: SaturationStep) => ({ offered: s.offered, achieved: s.achieved, p50Ms: s.p50Ms, p99Ms: s.p99Ms, errorPct: s.errorPct });
  const perRequest = moderate.achieved > 0 ? moderate.generatorCores / moderate.achieved : 0;
  return {
    lab: state.name,
    design: state.source,
    light: pick(light),
    moderate: pick(moderate),
    hosts,
    tiers: tiersOf(model, hosts),
    baseP99Ms: light.p99Ms ?? 0,
    generator: { coresPerRequest: perRequest, ceiling: perRequest > 0 ? Math.round(0.9 / perRequest) : null },
  };
}

/** A configuration `--verify` checks. */
export interface VerifyConfig {
  label: string;
  stack: () => Stack;
}

/** Three configurations whose sizes fit a 2-core machine with room for the load generator and the lab's own hosts. */
export const VERIFY_CONFIGS: VerifyConfig[] = [
  { label: "design 0, one server of 0.5 core", stack: () => sized("0", ROOMY) },
  { label: "design 0, one server of 0.25 core", stack: () => sized("0", SMALL) },
  { label: "design 1, balancer and 2 servers of 0.25 core", stack: () => sized("1", SMALL) },
];

export interface VerifyRow {
  label: string;
  /** Cores the configuration's sizes add up to, and whether they fit this machine. */
  cores: number;
  fits: boolean;
  predicted: number | null;
  measured: number | null;
  /** predicted / measured − 1, in percent. */
  errorPct: number | null;
  within: boolean;
  bottleneck: string | null;
  note?: string;
}

export interface VerifyReport {
  targetMs: number;
  tolerancePct: number;
  rows: VerifyRow[];
  passed: boolean;
}

export function verifyRow(label: string, cores: number, fits: boolean, predicted: number | null, measured: number | null, tolerancePct: number, bottleneck: string | null): VerifyRow {
  const errorPct = predicted !== null && measured !== null && measured > 0 ? Math.round((predicted / measured - 1) * 1000) / 10 : null;
  return { label, cores, fits, predicted: predicted === null ? null : Math.round(predicted), measured, errorPct, within: errorPct !== null && Math.abs(errorPct) <= tolerancePct, bottleneck };
}

export interface VerifyOptions {
  prefix: string;
  p99Ms: number;
  stepMs: number;
  writeShare: number;
  tolerancePct?: number;
  configs?: VerifyConfig[];
  signal?: AbortSignal;
  progress?: (line: string) => void;
}

/** For each configuration, on a fresh lab: the demands, the saturation the model predicts, then the saturation measured. */
export async function verifyCapacity(opts: VerifyOptions): Promise<VerifyReport> {
  const say = opts.progress ?? (() => undefined);
  const tolerancePct = opts.tolerancePct ?? 15;
  const rows: VerifyRow[] = [];
  const configs = opts.configs ?? VERIFY_CONFIGS;
  for (const [i, c] of configs.entries()) {
    const stack = c.stack();
    const budget = sizeBudget(buildModel(stack), { cpus: cpus().length, memoryBytes: Number.MAX_SAFE_INTEGER });
    if (budget.warnings.length || budget.cpu > cpus().length - 0.5) {
      rows.push({ ...verifyRow(c.label, budget.cpu, false, null, null, tolerancePct, null), note: "not checked here: its sizes do not fit this machine" });
      continue;
    }
    const measured = await onLab(`${opts.prefix}-${i + 1}`, stack, c.label, opts, async (lab): Promise<VerifyRow[]> => {
      opts.signal?.throwIfAborted();
      let m: DemandMeasurement;
      try {
        m = await measureDemand({ lab, p99Ms: opts.p99Ms, stepMs: opts.stepMs, writeShare: opts.writeShare, progress: (l) => say(`  ${l}`), ...(opts.signal ? { signal: opts.signal } : {}) });
      } catch (err) {
        // The demands could not be measured (even the light load missed the target): no prediction to check.
        if (!(err instanceof UsageError)) throw err;
        return [{ ...verifyRow(c.label, budget.cpu, true, null, null, tolerancePct, null), note: `not measured: ${err.message}` }];
      }
      const predicted = predictSaturation(m.tiers, currentConfig(m.tiers), m.baseP99Ms, opts.p99Ms);
      say(`  ${c.label}: the model predicts ${Math.round(predicted)} req/s; measuring`);
      const s = await saturate({
        lab,
        p99Ms: opts.p99Ms,
        maxErrorPct: 1,
        startRate: Math.max(20, Math.round(m.moderate.offered / 2)),
        factor: 1.5,
        stepMs: opts.stepMs,
        maxSteps: 8,
        bisectSteps: 4,
        confirmFailures: 1,
        writeShare: opts.writeShare,
        progress: (l) => say(`  ${l}`),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      // The same demands on servers four times the size: a prediction this machine cannot hold, so not checked.
      const big = currentConfig(m.tiers).map((t) => ({ ...t, cpu: t.cpu * 4 }));
      const bigCores = budget.cpu * 4;
      const bigRow: VerifyRow = {
        ...verifyRow(`${c.label}, every server 4x the size`, bigCores, false, predictSaturation(m.tiers, big, m.baseP99Ms, opts.p99Ms), null, tolerancePct, null),
        note: `not checked here: ${bigCores} cores of servers, this machine has ${cpus().length}`,
      };
      return [verifyRow(c.label, budget.cpu, true, predicted, s.sustainable, tolerancePct, s.bottleneck?.tier ?? null), ...(bigCores > cpus().length - 0.5 ? [bigRow] : [])];
    }).catch((err: unknown): VerifyRow[] => {
      // A lab that did not come up (a busy machine) leaves this configuration unmeasured, not the others.
      if (opts.signal?.aborted) throw err;
      return [{ ...verifyRow(c.label, budget.cpu, true, null, null, tolerancePct, null), note: `not measured: ${(err as Error).message}` }];
    });
    for (const row of measured) say(`  ${row.label}: predicted ${row.predicted ?? "-"}, measured ${row.measured ?? "-"} req/s${row.errorPct === null ? "" : ` (${row.errorPct}%)`}`);
    rows.push(...measured);
  }
  const checked = rows.filter((r) => r.fits);
  return { targetMs: opts.p99Ms, tolerancePct, rows, passed: checked.length > 0 && checked.every((r) => r.within) };
}

/** A fresh lab of `stack` (sized with `size` where the design gives none): its demands, always brought down after. */
export async function measureDesign(stack: Stack, source: string, lab: string, opts: Omit<MeasureOptions, "lab">): Promise<DemandMeasurement> {
  return onLab(lab, stack, source, opts, (l) => measureDemand({ ...opts, lab: l }));
}
