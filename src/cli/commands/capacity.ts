// `stacklab capacity`: each tier's cost per request measured on a fresh sized lab of the design, then servers per tier
// for a rate at a p99 target from a queueing model; `--verify` checks the model's saturation against the lab's.
import type { Command } from "commander";
import { cpus } from "node:os";
import { planCapacity, type CapacityPlan } from "../../analysis/capacity.js";
import { checkCapacityDesign, measureDemand, measureDesign, verifyCapacity, withSizes, type DemandMeasurement, type VerifyReport } from "../../experiment/capacity.js";
import { parseDuration, parsePercent } from "../../experiment/units.js";
import { requireRoot } from "../../runtime/preflight.js";
import { UsageError } from "../../spec/errors.js";
import { color, designArgs, ExitCode, interruptible, output, resolveDesign, type DesignOptions } from "../common.js";

/** The most requests per second the model is asked about: past it the answer is no longer about servers in a lab. */
export const MAX_RPS = 1_000_000;

export interface CapacityAnswer {
  design: string;
  lab: string;
  rps: number;
  targetMs: number;
  measurement: DemandMeasurement;
  plan: CapacityPlan;
  machine: { cpus: number };
  /** Whether this machine can hold the answer's servers and generate its rate; when not, why. */
  checkable: boolean;
  notChecked: string[];
}

const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "-");
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : "∞");

export function capacityText(a: CapacityAnswer): string {
  const rows = a.plan.tiers.map((t) => {
    const now = `${t.now.servers} x ${t.now.cpu}`;
    const need = t.scalable ? `${t.servers} x ${t.cpu}` : `${t.servers} x ${t.cpu} (grows in size)`;
    return `  ${t.tier.padEnd(12)} ${t.demandMs.toFixed(2).padStart(7)}  ${now.padEnd(10)} ${need.padEnd(26)} ${pct(t.utilisation).padStart(5)} ${`+${pct(t.headroom)}`.padStart(8)} ${ms(t.wait99Ms).padStart(9)}`;
  });
  const m = a.measurement;
  return [
    `${color("bold", "capacity")} for ${a.rps} req/s at p99 <= ${a.targetMs} ms (${a.design}; measured on lab ${a.lab})`,
    `  tier          ms CPU  now        needed (servers x cores)    util headroom  wait p99`,
    "                per req",
    ...rows,
    "",
    a.plan.unreachable
      ? color("red", `cannot be met: ${a.plan.unreachable}`)
      : `modelled p99 at ${a.rps} req/s: ${Math.round(a.plan.p99Ms)} ms (${Math.round(a.measurement.baseP99Ms)} ms at ${m.light.offered} req/s, plus each tier's wait); ${Math.round(a.plan.cores * 100) / 100} cores in all`,
    ...(a.checkable
      ? [color("green", "this machine can hold that and generate the rate: `stacklab capacity --verify` checks the model here")]
      : a.notChecked.map((n) => color("yellow", `not checked here: ${n}`))),
    color(
      "gray",
      `demands at ${m.moderate.offered} req/s (${m.moderate.achieved} answered/s), idle CPU subtracted; utilisation law U = X·D per tier, M/M/c waits (Erlang C) for balanced tiers, M/M/1 on the busiest host otherwise`,
    ),
  ].join("\n");
}

export function verifyText(r: VerifyReport): string {
  return [
    `${color("bold", "capacity --verify")}: predicted against measured saturation, p99 target ${r.targetMs} ms, within ${r.tolerancePct}%`,
    "  configuration                                       cores  predicted  measured   error",
    ...r.rows.map(
      (x) =>
        `  ${x.label.padEnd(50)} ${String(x.cores).padStart(6)} ${String(x.predicted ?? "-").padStart(10)} ${String(x.measured ?? "-").padStart(9)} ${(x.errorPct === null ? "-" : `${x.errorPct > 0 ? "+" : ""}${x.errorPct}%`).padStart(7)}  ${x.fits ? (x.within ? color("green", "ok") : color("red", x.note ?? "outside")) : color("yellow", x.note ?? "not checked here")}`,
    ),
    "",
    r.passed ? color("green", "the model is within tolerance on every configuration checked") : color("red", "the model missed the tolerance on at least one configuration (figures above)"),
  ].join("\n");
}

export function register(program: Command): void {
  designArgs(
    program
      .command("capacity")
      .description("servers per tier for a rate at a p99 target: each tier's CPU per request measured on a fresh sized lab of the design, then a queueing model (utilisation law, M/M/c)"),
  )
    .option("--rps <n>", "requests per second to serve")
    .option("--p99 <time>", "latency target for the 99th percentile", "200ms")
    .option("--size <cores>", "cores of each server the design leaves unsized (with 512Mi of memory)", "0.5")
    .option("-n, --name <lab>", "name of the lab to measure on (brought up and down again)", "capacity")
    .option("--lab <name>", "measure on this running lab instead (its servers must all have sizes); no FILE then")
    .option("--step <time>", "length of each measuring step", "6s")
    .option("--writes <pct>", "share of writes in the mix", "10%")
    .option("--verify", "instead: check the model on three configurations that fit this machine, predicted against measured saturation")
    .option("--json", "print JSON")
    .action(
      async (
        file: string | undefined,
        opts: DesignOptions & { lab?: string; rps?: string; p99: string; size: string; name: string; step: string; writes: string; verify?: boolean; json?: boolean },
      ) => {
        const p99Ms = parseDuration(opts.p99);
        const stepMs = parseDuration(opts.step);
        const writes = parsePercent(opts.writes);
        if (p99Ms === undefined || p99Ms < 1) throw new UsageError(`--p99: cannot read "${opts.p99}" (e.g. 200ms)`);
        if (stepMs === undefined || stepMs < 2000 || stepMs > 60_000) throw new UsageError(`--step: "${opts.step}" must be between 2s and 60s`);
        if (writes === undefined || writes > 100) throw new UsageError("--writes is a percentage, e.g. 10%");
        const progress = (l: string) => process.stderr.write(`${color("gray", l)}\n`);
        if (opts.verify) {
          requireRoot("capacity --verify");
          const r = await interruptible("stopping the load", (signal) => verifyCapacity({ prefix: opts.name, p99Ms, stepMs, writeShare: writes / 100, signal, progress }));
          output(r, opts.json, verifyText);
          if (!r.passed) throw new ExitCode(1);
          return;
        }
        if (opts.rps === undefined) throw new UsageError("--rps is required: the requests per second to plan for, e.g. --rps 500");
        const rps = Number(opts.rps);
        if (!Number.isFinite(rps) || rps <= 0) throw new UsageError(`--rps: "${opts.rps}" is not a rate; give requests per second, e.g. --rps 500`);
        if (rps > MAX_RPS) throw new UsageError(`--rps ${rps}: more than ${MAX_RPS.toLocaleString("en")} requests per second is past what a model measured on one machine can say`);
        const cpu = Number(opts.size);
        if (!Number.isFinite(cpu) || cpu <= 0 || cpu > cpus().length) throw new UsageError(`--size: "${opts.size}" must be cores between 0 and ${cpus().length}, e.g. --size 0.5`);
        const measureOpts = { p99Ms, stepMs, writeShare: writes / 100, progress };
        let m: DemandMeasurement;
        if (opts.lab) {
          if (file || opts.blueprint) throw new UsageError("give a design (FILE or --blueprint) or --lab, not both");
          requireRoot("capacity");
          m = await interruptible("stopping the load", (signal) => measureDemand({ ...measureOpts, signal, lab: opts.lab! }));
        } else {
          const design = await resolveDesign(file, opts);
          const stack = withSizes(design.stack, { cpu, memory: "512Mi" });
          checkCapacityDesign(stack);
          requireRoot("capacity");
          m = await interruptible("stopping the load", (signal) => measureDesign(stack, design.source, opts.name, { ...measureOpts, signal }));
        }
        const plan = planCapacity(m.tiers, m.baseP99Ms, rps, p99Ms);
        const machine = { cpus: cpus().length };
        const notChecked: string[] = [];
        // Room for the lab's own hosts and the load generator: the scale model holds what leaves half a core free.
        if (plan.cores > machine.cpus - 0.5) notChecked.push(`the answer needs ${Math.round(plan.cores * 100) / 100} cores of servers, this machine has ${machine.cpus}`);
        if (m.generator.ceiling !== null && rps > m.generator.ceiling)
          notChecked.push(`this machine's load generator offers at most about ${m.generator.ceiling} req/s, so ${rps} req/s cannot be generated here`);
        const answer: CapacityAnswer = { design: m.design, lab: m.lab, rps, targetMs: p99Ms, measurement: m, plan, machine, checkable: notChecked.length === 0, notChecked };
        output(answer, opts.json, capacityText);
        if (plan.unreachable) throw new ExitCode(2);
      },
    );
}
