// The recorded state of a lab: what was created, so that `down` and `clean` undo exactly that.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Stack } from "../spec/schema.js";
import { UsageError } from "../spec/errors.js";
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

/**
 * The format of state.json. 2: namespaces `stacklab-<lab>.<host>`, hosts launched with `--kill-child` and the
 * process mark. A lab recorded in another format can only be taken down (`down`, `clean`), which reads it raw.
 */
export const STATE_VERSION = 2;

export interface LabState {
  /** STATE_VERSION when this stacklab wrote it; absent in labs recorded before version 2. */
  version?: number;
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
  /**
   * `up --bare`: every host also runs an SSH server (src/runtime/ssh.ts), and the design's services are
   * provisioned by Ansible (`rehearse`) rather than written by stacklab. `provisioned` is set once the playbook
   * has run: from then on the services sit where a native lab has them (runit, same files) and every command
   * treats the lab as any other.
   */
  bare?: { provisioned: boolean };
  /** Faults injected and not yet healed (`stacklab fault`), so `heal` knows what to undo. */
  faults?: ActiveFault[];
}

/** A state file that cannot be used: unreadable JSON, or written by another version of stacklab. */
export class StateError extends UsageError {
  constructor(
    readonly lab: string,
    why: string,
  ) {
    super(`lab "${lab}": ${why}; take it down with \`stacklab down --name ${lab}\` (or \`stacklab clean\`), then bring it up again`);
    this.name = "StateError";
  }
}

/**
 * Reads a lab's state as it is on disk, whatever version wrote it (for `down` and `clean`, which only need what
 * was recorded); undefined when there is no such lab, a StateError when the file is not a lab record.
 */
export function readStateRaw(lab: string): LabState | undefined {
  const file = join(labDir(lab), "state.json");
  if (!existsSync(file)) return undefined;
  let state: LabState;
  try {
    state = JSON.parse(readFileSync(file, "utf8")) as LabState;
  } catch (err) {
    throw new StateError(lab, `its state file ${file} is corrupt (${(err as Error).message})`);
  }
  if (!state || typeof state !== "object" || state.name !== lab || !Array.isArray(state.hosts)) throw new StateError(lab, `its state file ${file} is not a lab record`);
  return state;
}

/** Reads a lab's state, or undefined when there is no such lab; a StateError when it is corrupt or from another version. */
export function readState(lab: string): LabState | undefined {
  const state = readStateRaw(lab);
  if (state && state.version !== STATE_VERSION)
    throw new StateError(lab, `it was recorded by ${(state.version ?? 1) < STATE_VERSION ? "an older" : "a newer"} stacklab (state version ${state.version ?? 1}, this one reads ${STATE_VERSION})`);
  return state;
}

/**
 * Writes a lab's state atomically and durably: a temporary file of its own (two writers never share one),
 * flushed to disk, then renamed over state.json, so a crash leaves either the old record or the new one.
 */
export function writeState(state: LabState): void {
  const dir = labDir(state.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  state.version = STATE_VERSION;
  const tmp = join(dir, `.state.json.${process.pid}.${randomBytes(4).toString("hex")}`);
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, "state.json"));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  // The rename itself reaches the disk with the folder.
  const dfd = openSync(dir, "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Names of labs that have recorded state on this machine. */
export function listLabs(): string[] {
  const dir = join(stateRoot(), "labs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, "state.json")))
    .sort();
}

/** Every folder under labs/ (a lab whose `up` died before its first record has a folder and no state). */
export function labFolders(): string[] {
  const dir = join(stateRoot(), "labs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort();
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
