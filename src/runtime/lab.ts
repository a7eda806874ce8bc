// Opening a running lab: its recorded state and the model it runs, or a usage error saying what to run.
// Every command that works on a lab starts here; it is a plain function so a per-lab lock can wrap it.
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { labModel } from "./lab-model.js";
import { labDir } from "./paths.js";
import { labFolders, listLabs, readState, type LabState } from "./state.js";

/** A running lab as recorded on this machine. */
export interface OpenLab {
  name: string;
  state: LabState;
  /** The model it runs (its spec, in its address block, with the addresses its hosts were given). */
  model: Model;
}

/** Why a state file cannot be used, or null when it has the shape this stacklab version writes. */
export function stateProblem(raw: unknown, name: string): string | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "it is not a JSON object";
  const s = raw as Record<string, unknown>;
  if (s.name !== name) return `it names lab ${JSON.stringify(s.name)}, not "${name}"`;
  const fields: [string, string][] = [
    ["slot", "number"],
    ["createdAt", "string"],
    ["status", "string"],
    ["spec", "object"],
    ["source", "string"],
    ["switchNetns", "string"],
    ["published", "object"],
  ];
  for (const [key, type] of fields) if (typeof s[key] !== type || s[key] === null) return `its "${key}" is missing or not a ${type}`;
  for (const key of ["hosts", "extra"]) if (!Array.isArray(s[key])) return `its "${key}" is missing or not a list`;
  const hosts = s.hosts as unknown[];
  for (const [i, h] of hosts.entries()) {
    const host = h as Record<string, unknown> | null;
    if (typeof host !== "object" || host === null || typeof host.name !== "string" || typeof host.netns !== "string" || !Array.isArray(host.links))
      return `its hosts[${i}] lacks a name, netns or links`;
  }
  if (s.faults !== undefined && !Array.isArray(s.faults)) return `its "faults" is not a list`;
  return null;
}

/**
 * The name of the lab a command means: the one given, or the only lab on this machine. `anyFolder` also counts labs
 * without a state file (an `up` that died before its first record), for `down`, which must reach those too.
 */
export function labName(name?: string, opts: { anyFolder?: boolean } = {}): string {
  if (name) return name;
  const labs = opts.anyFolder ? labFolders() : listLabs();
  if (labs.length === 1) return labs[0]!;
  throw new UsageError(labs.length ? `several labs exist (${labs.join(", ")}); pick one with --name` : "no lab is running; start one with `stacklab up --blueprint 3-scale_up`");
}

/** A lab's recorded state, checked; a UsageError saying what to run when it is missing, corrupt or of another version. */
export function readLabState(name: string): LabState {
  // readState refuses a file that is not JSON or was written by another state version (StateError, exit 2).
  const raw = readState(name);
  if (!raw) {
    const labs = listLabs();
    throw new UsageError(`no lab named "${name}"${labs.length ? ` (running: ${labs.join(", ")})` : ""}; see \`stacklab status\``);
  }
  const problem = stateProblem(raw, name);
  if (problem) throw unusable(name, `${problem}, so it was written by another stacklab version or damaged`);
  return raw;
}

function unusable(name: string, why: string): UsageError {
  return new UsageError(`the state of lab "${name}" (${join(labDir(name), "state.json")}) cannot be used: ${why}; run \`stacklab down --name ${name}\` or \`stacklab clean\``);
}

/**
 * Opens a lab: the one named, or the only one on this machine. Throws a UsageError (exit 2) naming what to run
 * when there is no such lab, or when its state file is corrupt or was written by another stacklab version.
 */
export function openLab(name?: string): OpenLab {
  const lab = labName(name);
  const state = readLabState(lab);
  let model: Model;
  try {
    model = labModel(state);
  } catch (err) {
    throw unusable(lab, `its design no longer builds with this stacklab version (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
  }
  return { name: lab, state, model };
}
