// One lock per lab, held by every command that changes the lab, so that two of them never interleave.
//
// The lock is a file, locks/<lab>.lock under stacklab's state root, created with O_EXCL (link(2) of a complete
// file, so nobody ever reads a half-written one). It names its holder: pid, the process's start time (a pid
// reused by another process is not mistaken for the holder), the command and when it was taken. A lock whose
// holder no longer runs is stale and is taken over; a live holder makes the caller fail with a message naming
// it (exit 2), or wait for it with `--wait`.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { UsageError } from "../spec/errors.js";
import { lockDir } from "./paths.js";
import { isAlive, procStartTime, type ProcRecord } from "./state.js";

/** Who holds a lab's lock. */
export interface LockHolder extends ProcRecord {
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** A lab is locked by a live command. */
export class LockedError extends UsageError {
  constructor(
    readonly lab: string,
    readonly holder: LockHolder,
  ) {
    super(`lab "${lab}" is busy: \`${holder.command}\` (pid ${holder.pid}) has held its lock since ${holder.since}; wait for it to finish, or add --wait`);
    this.name = "LockedError";
  }
}

/** A lock taken: release it exactly once (releasing twice, or after a takeover, removes nobody else's lock). */
export interface LabLock {
  lab: string;
  holder: LockHolder;
  release(): void;
}

export interface LockOptions {
  /** Wait for a live holder to finish (at most this long, ms) instead of failing at once. */
  waitMs?: number;
  /** Called once when the caller starts waiting. */
  onWait?: (holder: LockHolder) => void;
}

function lockFile(lab: string): string {
  return join(lockDir(), `${lab}.lock`);
}

/** The lock's holder as recorded, or undefined when the lab is not locked (or the file vanished meanwhile). */
export function lockHolder(lab: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(lockFile(lab), "utf8")) as LockHolder;
    return typeof h.pid === "number" ? h : undefined;
  } catch {
    return undefined;
  }
}

/** True when the lab's lock is held by a process that still runs. */
export function isLocked(lab: string): boolean {
  const h = lockHolder(lab);
  return h !== undefined && isAlive(h) && h.pid !== process.pid;
}

const held = new Map<string, number>();

/** Takes the lab's lock, or throws LockedError naming the live holder (after waiting, with `waitMs`). */
export async function lockLab(lab: string, command: string, opts: LockOptions = {}): Promise<LabLock> {
  // The same process may take its own lock again (e.g. `up` failing calls `down`): counted, released at the last.
  if (held.has(lab)) {
    held.set(lab, held.get(lab)! + 1);
    return reentrant(lab, command);
  }
  mkdirSync(lockDir(), { recursive: true, mode: 0o700 });
  const me: LockHolder = { pid: process.pid, startTime: procStartTime(process.pid) ?? 0, command, since: new Date().toISOString() };
  const deadline = performance.now() + (opts.waitMs ?? 0);
  let told = false;
  for (;;) {
    if (tryTake(lab, me)) {
      held.set(lab, 1);
      return { lab, holder: me, release: once(() => release(lab, me)) };
    }
    const holder = lockHolder(lab);
    if (holder && isAlive(holder)) {
      if (performance.now() >= deadline) throw new LockedError(lab, holder);
      if (!told) opts.onWait?.(holder);
      told = true;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    // Stale (its holder died) or vanished between our attempt and the read: take it over and try again.
    takeOverStale(lab, holder);
  }
}

function reentrant(lab: string, command: string): LabLock {
  return {
    lab,
    holder: { ...lockHolder(lab)!, command },
    release: once(() => {
      const n = (held.get(lab) ?? 1) - 1;
      if (n > 0) held.set(lab, n);
    }),
  };
}

/** Creates the lock file atomically with our record in it; false when it exists. */
function tryTake(lab: string, me: LockHolder): boolean {
  const tmp = join(lockDir(), `.${lab}.${process.pid}.${randomBytes(4).toString("hex")}`);
  const fd = openSync(tmp, "wx", 0o600);
  writeSync(fd, JSON.stringify(me));
  closeSync(fd);
  try {
    linkSync(tmp, lockFile(lab));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes a lock whose holder is dead. It is first renamed aside (atomic: only one taker gets it), then checked to
 * be the very record judged stale; a fresh lock moved aside by a late taker is put back.
 */
function takeOverStale(lab: string, stale: LockHolder | undefined): void {
  if (!stale) return;
  const aside = join(lockDir(), `.${lab}.stale.${process.pid}.${randomBytes(4).toString("hex")}`);
  try {
    renameSync(lockFile(lab), aside);
  } catch {
    return; // someone else took it over first
  }
  let moved: LockHolder | undefined;
  try {
    moved = JSON.parse(readFileSync(aside, "utf8")) as LockHolder;
  } catch {
    moved = undefined;
  }
  if (moved && (moved.pid !== stale.pid || moved.startTime !== stale.startTime) && isAlive(moved)) {
    try {
      linkSync(aside, lockFile(lab));
    } catch {
      // the lock was taken again meanwhile; the live holder we moved keeps running but lost its file
    }
  }
  rmSync(aside, { force: true });
}

function release(lab: string, me: LockHolder): void {
  held.delete(lab);
  const h = lockHolder(lab);
  if (h && h.pid === me.pid && h.startTime === me.startTime && h.since === me.since) rmSync(lockFile(lab), { force: true });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** Runs `fn` holding the lab's lock, and releases it whatever happens. */
export async function withLabLock<T>(lab: string, command: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await lockLab(lab, command, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Removes the lock file of a lab that no longer exists, when nobody alive holds it (for `clean`). */
export function removeStaleLock(lab: string): boolean {
  const h = lockHolder(lab);
  if (h && isAlive(h) && h.pid !== process.pid) return false;
  rmSync(lockFile(lab), { force: true });
  return true;
}
