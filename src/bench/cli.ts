// Running stacklab's own CLI as a user would, and keeping track of the labs the benchmark has up so that
// they always come down, also after a failure or Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { CommandResult } from "../runtime/exec.js";
import { REPO_DIR } from "../runtime/repo.js";
import { readState } from "../runtime/state.js";

/**
 * Every lab the benchmark creates is named with this prefix: `bx-`, or `bx<suffix>-` with STACKLAB_BENCH_SUFFIX
 * (else STACKLAB_TEST_LAB_SUFFIX; 0-4 lowercase letters or digits), so a benchmark run beside another checkout's
 * labs (give it its own STACKLAB_HOME too) never shares a namespace or cgroup name with them.
 */
export const LAB_PREFIX = benchPrefix(process.env.STACKLAB_BENCH_SUFFIX ?? process.env.STACKLAB_TEST_LAB_SUFFIX ?? "");

/** The lab-name prefix for a suffix; throws on a suffix that would make invalid or too long lab names. */
export function benchPrefix(suffix: string): string {
  if (!/^[a-z0-9]{0,4}$/.test(suffix)) throw new Error(`STACKLAB_BENCH_SUFFIX must be 0-4 lowercase letters or digits, not "${suffix}"`);
  return `bx${suffix}-`;
}

const running = new Set<ChildProcess>();
/** Set once the benchmark is interrupted: from then on only `down` may run. */
let stopping = false;

/** A normal user the benchmark runs stacklab as (its rootless labs). */
export interface AsUser {
  name: string;
  home: string;
}

/**
 * Runs `stacklab ARGS...` (the built CLI, no colours); the record's durationMs is its wall-clock time. With `as`,
 * it runs as that normal user (runuser, in a clean environment of the user's own, as a login would give).
 */
export function stacklab(args: string[], timeoutMs: number, as?: AsUser): Promise<CommandResult> {
  const cli = [process.execPath, join(REPO_DIR, "bin/stacklab.js"), ...args];
  const argv = as ? ["runuser", "-u", as.name, "--", ...cli] : cli;
  const env = as ? { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: as.home, USER: as.name, LOGNAME: as.name, NO_COLOR: "1", LANG: "C.UTF-8" } : { ...process.env, NO_COLOR: "1" };
  const started = performance.now();
  if (stopping && args[0] !== "down") return Promise.resolve({ argv, code: 130, signal: null, stdout: "", stderr: "error: the benchmark was interrupted", durationMs: 0, timedOut: false });
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env, ...(as ? { cwd: as.home } : {}) });
    running.add(child);
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // SIGTERM first: the CLI then removes what it started (up) or heals what it injected (experiment).
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 30_000).unref();
    }, timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null, extra = "") => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ argv, code, signal, stdout, stderr: stderr + extra, durationMs: Math.round(performance.now() - started), timedOut });
    };
    child.on("error", (err) => done(127, null, err.message));
    child.on("close", (code, signal) => done(code, signal));
  });
}

/** Asks every stacklab command still running to stop (they clean up after themselves) and waits for them. */
export async function stopCommands(timeoutMs = 40_000): Promise<void> {
  stopping = true;
  const children = [...running];
  const closed = children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once("close", r))));
  for (const c of children) c.kill("SIGTERM");
  await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
}

/** The last meaningful line a failed command printed. */
export function failureText(r: CommandResult): string {
  const why = r.timedOut ? `timed out after ${Math.round(r.durationMs / 1000)} s` : `exit ${r.code ?? r.signal}`;
  const line = (r.stderr || r.stdout)
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("✓"))
    .find((l) => /error/i.test(l));
  return `${why}${line ? `: ${line.slice(0, 300)}` : ""}`;
}

const open = new Set<string>();

/** Notes that a lab of the benchmark may be up. */
export function track(lab: string): void {
  open.add(lab);
}

/** Notes that a lab is down. */
export function untrack(lab: string): void {
  open.delete(lab);
}

/** Brings down every lab the benchmark may have left up (after a failure, or on Ctrl-C). */
export async function downAll(): Promise<void> {
  for (const lab of [...open]) {
    if (readState(lab)) await stacklab(["down", "--name", lab], 60_000);
    open.delete(lab);
  }
}

/** Removes a lab of the benchmark left over by an earlier, interrupted run (only the exact name given). */
export async function removeStale(lab: string): Promise<void> {
  if (!lab.startsWith(LAB_PREFIX)) throw new Error(`not a benchmark lab: ${lab}`);
  if (readState(lab)) await stacklab(["down", "--name", lab], 60_000);
}
