// One benchmark run: every group of the plan, one lab at a time, each lab always brought down again.
import { openLab } from "../runtime/lab.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listLabs, readState } from "../runtime/state.js";
import { OWN_LAB_GROUPS, type BenchPlan } from "./args.js";
import { downAll, LAB_PREFIX, removeStale } from "./cli.js";
import { benchCapacity, isCapacityLab } from "./capacity.js";
import { benchFailover } from "./failover.js";
import { labUnhealthy } from "./health.js";
import { measureFootprint, measureIdle } from "./footprint.js";
import { findGaps } from "./gaps.js";
import { downLab, upLab } from "./labs.js";
import { benchLifecycle } from "./lifecycle.js";
import { measureReferences } from "./references.js";
import { benchRehearsal } from "./rehearsal.js";
import { benchRootless, ROOTLESS_LABS } from "./rootless.js";
import { loadNow, machineInfo } from "./machine.js";
import { failoverCases } from "./scenarios.js";
import { benchServing } from "./serving.js";
import type { BenchResults, FootprintResult, Missing } from "./types.js";

/** The design-3 lab serving, failover and footprint share. */
const MAIN_LAB = `${LAB_PREFIX}main`;
/**
 * The main lab is design 3 without sizes (should the blueprint get some): its serving, failover and footprint
 * figures measure stacklab and its servers on the whole machine, comparable with every earlier run; the capacity
 * group measures sized labs.
 */
const MAIN_DESIGN = { blueprint: "3", noSizes: true } as const;

/** Every lab name the benchmark may use, for removing what an interrupted run left. */
function ourLabs(): string[] {
  return listLabs().filter((l) => l === MAIN_LAB || l === ROOTLESS_LABS.root || (l.startsWith(LAB_PREFIX) && /^(d\d|g\d+)$/.test(l.slice(LAB_PREFIX.length))) || isCapacityLab(l));
}

/** Labs running on this machine that are not the benchmark's: they share its cores. */
function otherLabs(): string[] {
  return listLabs().filter((l) => !l.startsWith(LAB_PREFIX));
}

/** Runs the plan and returns the results (never throws for a failed measurement: it lands in `missing`). */
export async function runBench(plan: BenchPlan, say: (m: string) => void): Promise<BenchResults> {
  const started = Date.now();
  const tmpDir = mkdtempSync(join(tmpdir(), "stacklab-bench-"));
  const missing: Missing[] = [];
  const fail = (what: string, err: unknown) => {
    missing.push({ what, why: (err as Error).message });
    say(`${what}: ${(err as Error).message}`);
  };
  const others = new Set(otherLabs());
  const loadStart = loadNow();
  const machine = await machineInfo();
  const results: BenchResults = {
    version: 1,
    mode: plan.mode,
    groups: [...plan.groups],
    startedAt: new Date(started).toISOString(),
    finishedAt: "",
    durationMs: 0,
    machine,
    noise: { loadStart, loadEnd: 0, otherLabs: [] },
    lifecycle: null,
    serving: null,
    failover: null,
    footprint: null,
    references: null,
    rehearsal: null,
    rootless: null,
    missing,
  };
  try {
    for (const lab of ourLabs()) await removeStale(lab);
    if (plan.groups.includes("lifecycle")) {
      say("== references (outside any lab): bare namespace + veth, MariaDB cold start, CLI start-up");
      results.references = await measureReferences(Math.min(3, plan.lifecycle.runs), say);
      say("== bring-up and tear-down");
      try {
        results.lifecycle = await benchLifecycle({ ...plan.lifecycle, tmpDir, say });
      } catch (err) {
        fail("bring-up and tear-down", err);
      }
    }
    if (plan.groups.includes("rehearsal")) {
      say("== rehearsal of design 3 with ansible-playbook");
      try {
        results.rehearsal = await benchRehearsal(say);
      } catch (err) {
        fail("rehearsal", err);
      }
    }
    if (plan.groups.includes("rootless")) {
      say("== design 3 up, serving and down: root, then a normal user's rootless lab, run after run");
      try {
        results.rootless = await benchRootless({ runs: plan.rootless.runs, load: plan.serving.load, say });
      } catch (err) {
        fail("rootless labs", err);
      }
    }
    const onMain = plan.groups.filter((g) => !OWN_LAB_GROUPS.includes(g));
    if (onMain.length) await mainLab(plan, results, tmpDir, say, fail);
    if (plan.groups.includes("capacity")) {
      say("== saturation, the seeds' claims and the capacity model");
      results.capacity = await benchCapacity(say, fail);
    } else if (plan.mode === "quick") missing.push({ what: "saturation, the seeds' claims and the capacity model", why: "left out of --quick (about a dozen sized labs)" });
  } finally {
    await downAll();
    rmSync(tmpDir, { recursive: true, force: true });
  }
  for (const l of otherLabs()) others.add(l);
  results.noise = { loadStart, loadEnd: loadNow(), otherLabs: [...others].sort() };
  results.finishedAt = new Date().toISOString();
  results.durationMs = Date.now() - started;
  missing.push(...findGaps(results));
  return results;
}

/** Serving, failover and footprint on one design-3 lab: footprint at rest, serving, footprint again, failover. */
async function mainLab(plan: BenchPlan, results: BenchResults, tmpDir: string, say: (m: string) => void, fail: (what: string, err: unknown) => void): Promise<void> {
  say(`== design 3 as lab ${MAIN_LAB}: ${plan.groups.filter((g) => !OWN_LAB_GROUPS.includes(g)).join(", ")}`);
  try {
    const up = await upLab(MAIN_LAB, MAIN_DESIGN);
    if (up.notRunning.length)
      results.missing.push({ what: "services design 3 declares but this stacklab version does not run yet", why: up.notRunning.map((n) => `${n.kind} on ${n.host}`).join(", ") });
  } catch (err) {
    for (const g of plan.groups.filter((x) => !OWN_LAB_GROUPS.includes(x))) fail(g, err);
    return;
  }
  const recreate = async () => {
    await downLab(MAIN_LAB);
    await upLab(MAIN_LAB, MAIN_DESIGN);
  };
  const footprint: FootprintResult = { design: "3-scale_up", samples: [] };
  const sample = (when: string) => {
    const state = readState(MAIN_LAB);
    if (state) footprint.samples.push(measureFootprint(state, when));
  };
  try {
    if (plan.groups.includes("footprint")) {
      await new Promise((r) => setTimeout(r, 2000));
      sample("at rest");
      // What the lab costs with nothing to serve: 30 s of every host's CPU, counted by the kernel.
      const state = readState(MAIN_LAB);
      if (state) {
        say("== idle CPU (30 s at rest)");
        const idle = await measureIdle(state, 30);
        if (idle) footprint.idle = idle;
      }
    }
    if (plan.groups.includes("serving")) {
      say("== serving");
      try {
        const broken = await labUnhealthy(MAIN_LAB);
        if (broken) {
          say(`the lab cannot serve (${broken}): replacing it with a fresh one`);
          await recreate();
          const still = await labUnhealthy(MAIN_LAB);
          if (still) throw new Error(`a fresh design-3 lab could not serve either: ${still}`);
        }
        const { state, model } = openLab(MAIN_LAB);
        results.serving = await benchServing(state, model, { ...plan.serving, say });
      } catch (err) {
        fail("serving", err);
      }
      if (plan.groups.includes("footprint")) sample("after serving");
    }
    if (plan.groups.includes("failover")) {
      say("== failover");
      const all = failoverCases();
      const cases = plan.failover.cases === "all" ? all : all.filter((c) => (plan.failover.cases as string[]).includes(c.id));
      for (const c of all) if (!cases.includes(c)) results.missing.push({ what: `failover: ${c.label}`, why: `left out of ${plan.mode === "quick" ? "--quick" : "this run"}` });
      try {
        results.failover = await benchFailover(MAIN_LAB, { runs: plan.failover.runs, cases, tmpDir, say, recreate });
      } catch (err) {
        fail("failover", err);
      }
    }
    if (footprint.samples.length) results.footprint = footprint;
  } finally {
    await downLab(MAIN_LAB).catch((err: unknown) => fail(`tear-down of ${MAIN_LAB}`, err));
  }
}
