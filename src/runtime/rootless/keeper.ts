// The keeper: one long-lived process per user that holds the user namespace (and the mount namespace with its
// private /run/netns) every rootless lab of that user lives in, as rootless Podman's pause process does. Every lab
// command of a normal user enters it with nsenter (user + mount namespaces; the network namespace stays the
// machine's, so the site is published on the user's own loopback), and runs there as root of that namespace only.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../spec/errors.js";
import { spawnDetached } from "../exec.js";
import { markedEnv } from "../host.js";
import { lockLab, withLabLock } from "../lock.js";
import { stateRoot } from "../paths.js";
import { isAlive, labFolders, procRecord, type ProcRecord } from "../state.js";
import { mapArgs, requireRootlessReady } from "./checks.js";
import { currentUser, userSubIds } from "./ids.js";
import { ROOTLESS_ENV } from "./mode.js";

/** The keeper's record, in the user's state root. */
export function keeperFile(): string {
  return join(stateRoot(), "keeper.json");
}

/** The mark the keeper carries (stacklab's mark, outside any lab's folder, so no lab's `down` kills it). */
export function keeperMark(): string {
  return join(stateRoot(), "keeper");
}

/**
 * The keeper's script, run as root of the new user namespace in its new mount namespace: a private, empty
 * /run/netns (a tmpfs; `ip netns` keeps its namespace files there), shared so hosts see later additions, then it
 * only waits. Where the machine has no /run/netns (no root lab ran since boot), the keeper gets a private /run with
 * its own /run/netns in it: `--make-shared` needs a mount point there.
 */
export const KEEPER_SCRIPT = [
  "set -e",
  "if [ -d /run/netns ]; then mount -t tmpfs -o mode=0755 stacklab-netns /run/netns; else mount -t tmpfs -o mode=0755 stacklab-run /run; mkdir /run/netns; mount -t tmpfs -o mode=0755 stacklab-netns /run/netns; fi",
  "mount --make-shared /run/netns",
  "exec sleep infinity",
].join("\n");

/** The command that starts a keeper for a user whose subordinate ids start at subUid/subGid. */
export function keeperArgv(subUid: number, subGid: number): string[] {
  return ["unshare", ...mapArgs(subUid, subGid), "--mount", "--propagation", "private", "--", "/bin/sh", "-c", KEEPER_SCRIPT];
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** The running keeper of this user (state root), or undefined when there is none (never started, killed, or the machine restarted). */
export function runningKeeper(): ProcRecord | undefined {
  try {
    const rec = JSON.parse(readFileSync(keeperFile(), "utf8")) as ProcRecord;
    if (!isAlive(rec) || readComm(rec.pid) !== "sleep") return undefined;
    // It must hold a user namespace of its own (not this process's): a recycled pid never passes for a keeper.
    if (readlinkSync(`/proc/${rec.pid}/ns/user`) === readlinkSync("/proc/self/ns/user")) return undefined;
    return rec;
  } catch {
    return undefined;
  }
}

/**
 * The commands of this user running in the keeper, one file each (`<pid>.<random>.json`, the command's process
 * record): the keeper is stopped only when none of them is left, so that a `down` of the last lab never stops the
 * keeper under an `up` (or any command) of the same user that entered it meanwhile.
 */
export function keeperUsesDir(): string {
  return join(stateRoot(), "keeper-uses");
}

/** A command's use of the keeper: release it exactly once, when the command inside the keeper has ended. */
export interface KeeperUse {
  keeper: ProcRecord;
  /** Ends this use and stops the keeper when no lab and no other use of it is left; resolves true when it stopped it. */
  release(): Promise<boolean>;
}

/** The lock every start, use and stop of the keeper takes (per user: it lives under the user's state root). */
const KEEPER_LOCK = "_keeper";

/** The live uses of the keeper (the files of commands that died are removed on the way). */
export function keeperUses(): string[] {
  const dir = keeperUsesDir();
  if (!existsSync(dir)) return [];
  const live: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    let rec: ProcRecord | undefined;
    try {
      rec = JSON.parse(readFileSync(join(dir, f), "utf8")) as ProcRecord;
    } catch {
      rec = undefined;
    }
    if (isAlive(rec)) live.push(f);
    else rmSync(join(dir, f), { force: true });
  }
  return live;
}

/**
 * Records that this process uses the user's keeper, starting the keeper first when `start` is set and none runs
 * (after checking the machine allows it); undefined when none runs and `start` is not set. The check, the start
 * and the record are made under the keeper's lock, so a concurrent stop either happens before (and this starts a
 * new keeper) or sees this use (and leaves the keeper alone).
 */
export async function useKeeper(command: string, start: boolean): Promise<KeeperUse | undefined> {
  if (start && !runningKeeper()) await requireRootlessReady(command);
  mkdirSync(stateRoot(), { recursive: true, mode: 0o700 });
  const lock = await lockLab(KEEPER_LOCK, `stacklab ${command}`, { waitMs: 30_000 });
  try {
    const k = runningKeeper() ?? (start ? await startKeeper() : undefined);
    if (!k) return undefined;
    mkdirSync(keeperUsesDir(), { recursive: true, mode: 0o700 });
    const file = join(keeperUsesDir(), `${process.pid}.${randomBytes(4).toString("hex")}.json`);
    writeFileSync(file, `${JSON.stringify(procRecord(process.pid))}\n`, { mode: 0o600 });
    let released = false;
    return {
      keeper: k,
      release: async () => {
        if (released) return false;
        released = true;
        return withLabLock(KEEPER_LOCK, `stacklab ${command}`, { waitMs: 30_000 }, async () => {
          rmSync(file, { force: true });
          return stopIfIdle();
        });
      },
    };
  } finally {
    lock.release();
  }
}

/** Starts the keeper and records it (the caller holds the keeper's lock). */
async function startKeeper(): Promise<ProcRecord> {
  const ids = userSubIds();
  const log = openSync(join(stateRoot(), "keeper.log"), "a");
  const pid = spawnDetached(keeperArgv(ids.uid!.start, ids.gid!.start), log, markedEnv(keeperMark()));
  closeSync(log);
  const record = procRecord(pid);
  const deadline = performance.now() + 5000;
  while (performance.now() < deadline && isAlive(record) && readComm(pid) !== "sleep") await new Promise((r) => setTimeout(r, 10));
  if (!isAlive(record) || readComm(pid) !== "sleep") {
    if (isAlive(record)) process.kill(pid, "SIGKILL");
    const tail = readFileSync(join(stateRoot(), "keeper.log"), "utf8").trim().split("\n").slice(-5).join("\n");
    throw new Error(`the rootless keeper did not start within 5 s (${keeperArgv(ids.uid!.start, ids.gid!.start).slice(0, 8).join(" ")} ...); its log:\n${tail}`);
  }
  writeFileSync(keeperFile(), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return record;
}

/**
 * Stops this user's keeper once no lab of the user is left and no command of the user is in it (its namespaces
 * then go with it); waits until it is gone (at most 3 s). Takes the keeper's lock (or runs under it already).
 */
export async function stopKeeperIfIdle(): Promise<boolean> {
  return withLabLock(KEEPER_LOCK, "stacklab (keeper stop)", { waitMs: 30_000 }, async () => stopIfIdle());
}

async function stopIfIdle(): Promise<boolean> {
  const k = runningKeeper();
  if (!k || labFolders().length || keeperUses().length) return false;
  process.kill(k.pid, "SIGKILL");
  const deadline = performance.now() + 3000;
  while (isAlive(k) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  rmSync(keeperFile(), { force: true });
  return true;
}

/** The command that runs `argv` inside the keeper, as root of its user namespace, in the caller's folder. */
export function enterArgv(keeper: ProcRecord, argv: string[], cwd = process.cwd()): string[] {
  return ["nsenter", "-t", String(keeper.pid), "--user", "--mount", `--wd=${cwd}`, "--", ...argv];
}

/**
 * Runs this same stacklab command inside the keeper (stdio passed through, signals forwarded); resolves to its
 * exit code. The inner process gets the user's state root explicitly (it is root there, so it would pick
 * /var/lib/stacklab otherwise) and the rootless mark.
 */
export function runInKeeper(keeper: ProcRecord, args: string[]): Promise<number> {
  const user = currentUser();
  const env = { ...process.env, STACKLAB_HOME: stateRoot(), [ROOTLESS_ENV]: `${user.name}:${user.uid}:${keeper.pid}` };
  const argv = enterArgv(keeper, [process.execPath, ...process.execArgv, process.argv[1]!, ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit", env });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

/** Whether this user has labs recorded whose keeper is gone (their namespaces went with it: only `clean` or `down` help). */
export function orphanedLabs(): string[] {
  return runningKeeper() || !existsSync(join(stateRoot(), "labs")) ? [] : labFolders();
}

/** Refuses a command that needs a running lab when the keeper holding the user's labs is gone. */
export function requireKeeperFor(command: string): void {
  const orphans = orphanedLabs();
  if (orphans.length)
    throw new UsageError(
      `\`stacklab ${command}\`: the user namespace that held your lab${orphans.length > 1 ? "s" : ""} (${orphans.join(", ")}) is gone (its keeper was killed, or the machine restarted); run \`stacklab clean\` to remove what is left, then \`stacklab up\` again`,
    );
}
