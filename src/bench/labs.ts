// One lab's bring-up and tear-down, timed as a user sees them, and the check that `down` left nothing behind.
import { existsSync } from "node:fs";
import { run } from "../runtime/exec.js";
import { labDir } from "../runtime/paths.js";
import { isAlive, readState, type LabState, type ProcRecord } from "../runtime/state.js";
import { failureText, stacklab, track, untrack } from "./cli.js";

/** How a design is named to `stacklab up`: a blueprint, or a spec file. */
/** A design the benchmark brings up: a blueprint (as shipped, or without its sizes: `up --no-sizes`) or a file. */
export type DesignRef = { blueprint: string; noSizes?: boolean } | { file: string };

export interface UpTiming {
  /** From running `stacklab up -d` to its return. */
  wallMs: number;
  /** What `up` reported itself. */
  internalMs: number;
  /** Services of the design this stacklab version does not run yet. */
  notRunning: { host: string; kind: string }[];
  /** What `up` reported for each of its steps (ms). */
  steps: { step: string; ms: number }[];
  /** CPU time the bring-up cost (ms): stacklab's own and the hosts' (their cgroups), as `up` reported it. */
  cpu?: { stacklabMs: number; hostsMs: number };
}

const UP_TIMEOUT_MS = 180_000;

/** Brings a lab up with `stacklab up -d --json`; throws with the CLI's error when it fails. */
export async function upLab(lab: string, design: DesignRef): Promise<UpTiming> {
  track(lab);
  const args = ["up", ...("blueprint" in design ? ["--blueprint", design.blueprint, ...(design.noSizes ? ["--no-sizes"] : [])] : [design.file]), "--name", lab, "-d", "--json"];
  const r = await stacklab(args, UP_TIMEOUT_MS);
  if (r.code !== 0) {
    if (!readState(lab)) untrack(lab);
    throw new Error(`stacklab up failed (${failureText(r)})`);
  }
  const out = JSON.parse(r.stdout) as { durationMs: number; notRunning?: { host: string; kind: string }[]; steps?: { step: string; ms: number }[]; cpu?: UpTiming["cpu"] };
  return { wallMs: r.durationMs, internalMs: out.durationMs, notRunning: out.notRunning ?? [], steps: out.steps ?? [], ...(out.cpu ? { cpu: out.cpu } : {}) };
}

/** What of a lab still exists: its namespaces, its recorded processes, its directory. */
export async function leftovers(lab: string, before: LabState): Promise<string[]> {
  const names = new Set([before.switchNetns, ...before.hosts.map((h) => h.netns)]);
  const list = await run(["ip", "netns", "list"], { check: false, timeoutMs: 10_000 });
  const found = list.stdout
    .split("\n")
    .map((l) => l.split(" ")[0]!)
    .filter((n) => names.has(n))
    .map((n) => `namespace ${n}`);
  const procs: (ProcRecord & { what: string })[] = [
    ...before.extra,
    ...before.hosts.flatMap((h) => [h.init, h.launcher].filter((p): p is ProcRecord => p !== undefined).map((p) => ({ ...p, what: `${h.name} init` }))),
  ];
  for (const p of procs) if (isAlive(p)) found.push(`process ${p.pid} (${p.what})`);
  if (existsSync(labDir(lab))) found.push(`directory ${labDir(lab)}`);
  return found;
}

export interface DownTiming {
  /** From running `stacklab down` until nothing of the lab is left (or the wait gave up). */
  wallMs: number;
  leftovers: string[];
}

/** Tears a lab down with `stacklab down`, then waits (at most 5 s) until nothing of it is left. */
export async function downLab(lab: string): Promise<DownTiming> {
  const before = readState(lab);
  if (!before) {
    untrack(lab);
    throw new Error(`no lab ${lab} to bring down`);
  }
  const started = performance.now();
  const r = await stacklab(["down", "--name", lab, "--json"], 60_000);
  if (r.code !== 0) throw new Error(`stacklab down failed (${failureText(r)})`);
  // Gone is when a check first finds nothing: the time of that check's start, never before `down` returned.
  let checkedAt = performance.now();
  let left = await leftovers(lab, before);
  const deadline = checkedAt + 5000;
  while (left.length && performance.now() < deadline) {
    await new Promise((res) => setTimeout(res, 20));
    checkedAt = performance.now();
    left = await leftovers(lab, before);
  }
  untrack(lab);
  return { wallMs: Math.round(checkedAt - started), leftovers: left };
}
