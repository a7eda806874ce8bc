// Bring-up and tear-down of designs 0 to 3 and of generated labs of growing size, run after run.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { listBlueprints, loadBlueprint } from "../blueprints/index.js";
import { buildModel } from "../model/build.js";
import { SERVICES } from "../runtime/services/index.js";
import { readState } from "../runtime/state.js";
import type { Stack } from "../spec/schema.js";
import { LAB_PREFIX } from "./cli.js";
import { scaledSpec, specYaml } from "./generate.js";
import { downLab, upLab, type DesignRef } from "./labs.js";
import { linearFit, summarize } from "./stats.js";
import type { LifecycleResult, LifecycleRow } from "./types.js";

interface Subject {
  lab: string;
  label: string;
  kind: LifecycleRow["kind"];
  design: DesignRef;
  stack: Stack;
  runs: number;
}

interface Samples {
  up: number[];
  upInternal: number[];
  down: number[];
  failures: string[];
  leftovers: string[];
  steps: Map<string, number[]>;
  cpu: { hosts: number[]; stacklab: number[]; total: number[] };
}

/** One up-then-down cycle of a subject, added to its samples; never throws. */
async function cycle(s: Subject, into: Samples, say: (m: string) => void): Promise<void> {
  try {
    const up = await upLab(s.lab, s.design);
    const down = await downLab(s.lab);
    into.up.push(up.wallMs);
    into.upInternal.push(up.internalMs);
    for (const st of up.steps) into.steps.set(st.step, [...(into.steps.get(st.step) ?? []), st.ms]);
    if (up.cpu) {
      into.cpu.hosts.push(up.cpu.hostsMs);
      into.cpu.stacklab.push(up.cpu.stacklabMs);
      into.cpu.total.push(up.cpu.hostsMs + up.cpu.stacklabMs);
    }
    // A down that left something behind did not finish: its time is not a tear-down time.
    if (down.leftovers.length) into.leftovers.push(...down.leftovers);
    else into.down.push(down.wallMs);
    say(
      `${s.label}: up ${(up.wallMs / 1000).toFixed(2)} s (inside stacklab ${(up.internalMs / 1000).toFixed(2)} s), down ${(down.wallMs / 1000).toFixed(2)} s${down.leftovers.length ? `, LEFT ${down.leftovers.join(", ")}` : ""}`,
    );
  } catch (err) {
    into.failures.push((err as Error).message);
    say(`${s.label}: ${(err as Error).message}`);
    // Whatever a failed run left must go before the next run of the same lab.
    if (readState(s.lab)) await downLab(s.lab).catch(() => undefined);
  }
}

function row(s: Subject, d: Samples): LifecycleRow {
  const model = buildModel(s.stack);
  return {
    label: s.label,
    kind: s.kind,
    hosts: model.hosts.length,
    services: model.services.filter((x) => SERVICES[x.kind]).length,
    up: summarize(d.up),
    upInternal: summarize(d.upInternal),
    down: summarize(d.down),
    failures: d.failures,
    leftovers: [...new Set(d.leftovers)],
    steps: [...d.steps].flatMap(([step, values]) => {
      const ms = summarize(values);
      return ms ? [{ step, ms }] : [];
    }),
    ...(d.cpu.total.length ? { cpu: { hostsMs: summarize(d.cpu.hosts), stacklabMs: summarize(d.cpu.stacklab), totalMs: summarize(d.cpu.total) } } : {}),
  };
}

/** Attempts allowed for `runs` good runs: a few failures are retried, a lab that never comes up is not. */
export function maxAttempts(runs: number): number {
  return runs + Math.max(1, Math.ceil(runs / 2));
}

export interface LifecycleOptions {
  runs: number;
  generatedRuns: number;
  sizes: number[];
  /** Failed runs are retried only this long after the group started (the whole run must stay bounded). */
  retryBudgetS: number;
  /** Where generated spec files are written. */
  tmpDir: string;
  say: (m: string) => void;
}

/** Times up and down of every design and generated size; runs are interleaved so that noise spreads evenly. */
export async function benchLifecycle(opts: LifecycleOptions): Promise<LifecycleResult> {
  const designs: Subject[] = listBlueprints().map((b) => ({
    lab: `${LAB_PREFIX}d${b.name.split("-")[0]}`,
    label: b.name,
    kind: "design",
    design: { blueprint: b.name },
    stack: loadBlueprint(b.name),
    runs: opts.runs,
  }));
  const base = loadBlueprint("3");
  const generated: Subject[] = opts.sizes.map((n) => {
    const stack = scaledSpec(base, n);
    const file = join(opts.tmpDir, `gen${n}.yaml`);
    writeFileSync(file, specYaml(stack));
    return { lab: `${LAB_PREFIX}g${n}`, label: `generated, ${n} hosts`, kind: "generated", design: { file }, stack, runs: opts.generatedRuns };
  });
  const all = [...designs, ...generated];
  const samples = new Map(all.map((s) => [s, { up: [], upInternal: [], down: [], failures: [], leftovers: [], steps: new Map(), cpu: { hosts: [], stacklab: [], total: [] } } as Samples]));
  // A run that fails (a readiness probe timing out on a busy machine) is retried, a bounded number of times.
  const attempts = new Map(all.map((s) => [s, 0]));
  const retriesUntil = Date.now() + opts.retryBudgetS * 1000;
  const wanted = (s: Subject) => {
    const n = attempts.get(s)!;
    return samples.get(s)!.up.length < s.runs && n < maxAttempts(s.runs) && (n < s.runs || Date.now() < retriesUntil);
  };
  while (all.some(wanted)) {
    for (const s of all.filter(wanted)) {
      attempts.set(s, attempts.get(s)! + 1);
      const n = samples.get(s)!.up.length + 1;
      await cycle(s, samples.get(s)!, (m) => opts.say(`[${n}/${s.runs}] ${m}`));
    }
  }
  const rows = all.map((s) => row(s, samples.get(s)!));
  const gen = rows.filter((r) => r.kind === "generated");
  const points = (pick: (r: LifecycleRow) => number | undefined) => gen.flatMap((r) => (pick(r) === undefined ? [] : [{ x: r.hosts, y: pick(r)! }]));
  return {
    runs: opts.runs,
    generatedRuns: opts.generatedRuns,
    designs: rows.filter((r) => r.kind === "design"),
    generated: gen,
    fit: { up: linearFit(points((r) => r.up?.median)), down: linearFit(points((r) => r.down?.median)) },
  };
}
