// The recorded state of a lab: what was created, so that `down` and `clean` undo exactly that.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "../spec/schema.js";
import { labDir, stateRoot } from "./paths.js";
import type { ActiveFault } from "./faults/types.js";

/** A process the lab started, with its start time so a reused pid is never mistaken for it. */
export interface ProcRecord {
  pid: number;
  /** Field 22 of /proc/PID/stat (start time in clock ticks since boot). */
  startTime: number;
}

export interface HostState {
  name: string;
  netns: string;
  /** The `unshare` process in the root namespaces (parent of the host's init). */
  launcher?: ProcRecord;
  /** The host's init (PID 1 inside its PID namespace): runsvdir. */
  init?: ProcRecord;
  /** Switch-side ports of the host's links. */
  links: string[];
}

export interface LabState {
  name: string;
  slot: number;
  createdAt: string;
  status: "starting" | "running" | "failed" | "stopping";
  /** The validated spec the lab runs. */
  spec: Stack;
  /** Where the spec came from (a path or `blueprint NAME`). */
  source: string;
  switchNetns: string;
  hosts: HostState[];
  /** Processes in the root namespace (loopback publishing). */
  extra: (ProcRecord & { what: string })[];
  /** Every host's addresses, as the lab runs them: a changed design keeps them (see labModel). */
  addresses?: Record<string, Partial<Record<"public" | "private", string>>>;
  /** Loopback addresses where the site is published. */
  published: { http?: string; https?: string };
  /** Faults injected and not yet healed (`stacklab fault`), so `heal` knows what to undo. */
  faults?: ActiveFault[];
}

/** Reads a lab's state, or undefined when there is no such lab. */
export function readState(lab: string): LabState | undefined {
  const file = join(labDir(lab), "state.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as LabState;
}

/** Writes a lab's state atomically. */
export function writeState(state: LabState): void {
  const dir = labDir(state.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, "state.json.tmp");
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, join(dir, "state.json"));
}

/** Names of labs that have recorded state on this machine. */
export function listLabs(): string[] {
  const dir = join(stateRoot(), "labs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => existsSync(join(dir, d, "state.json"))).sort();
}

/** Reads /proc/PID/stat's start time; undefined when the process is gone. */
export function procStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** True when the recorded process still runs (same pid and same start time, and not a zombie waiting to be reaped). */
export function isAlive(proc: ProcRecord | undefined): boolean {
  if (proc === undefined || procStartTime(proc.pid) !== proc.startTime) return false;
  try {
    const stat = readFileSync(`/proc/${proc.pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** A record of a running process, for the state file. */
export function procRecord(pid: number): ProcRecord {
  const startTime = procStartTime(pid);
  if (startTime === undefined) throw new Error(`process ${pid} is gone`);
  return { pid, startTime };
}
