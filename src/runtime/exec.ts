// Every command the lab runtime runs goes through here, as an argument array, and comes back as data.
import { spawn, type SpawnOptions } from "node:child_process";

/** A finished command, as data: what ran, how long, how it ended. */
export interface CommandResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Throw a CommandError when the command does not exit 0 (default true). */
  check?: boolean;
  /** Aborting it stops the command's whole process group (SIGTERM, SIGKILL 3 s later); the result says how it ended. */
  signal?: AbortSignal;
}

/** Observers see every command before it runs (tests use this to assert what the runtime does). */
const observers = new Set<(argv: string[]) => void>();

/** Registers an observer of every command run; returns a function that removes it. */
export function observeCommands(fn: (argv: string[]) => void): () => void {
  observers.add(fn);
  return () => observers.delete(fn);
}

/** A command that failed, with its full record. */
export class CommandError extends Error {
  constructor(readonly result: CommandResult) {
    const why = result.timedOut ? `timed out after ${result.durationMs} ms` : result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
    const detail = (result.stderr || result.stdout).trim().split("\n").slice(-5).join("\n");
    super(`\`${result.argv.join(" ")}\` failed (${why})${detail ? `:\n${detail}` : ""}`);
    this.name = "CommandError";
  }
}

/** Runs a command to completion and returns its record; throws CommandError on failure unless `check: false`. */
export function run(argv: string[], options: RunOptions = {}): Promise<CommandResult> {
  for (const fn of observers) fn(argv);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // stdin: a pipe only when there is input. (Node's pipes are socket pairs, and bash sources ~/.bashrc when its
    // stdin is a socket: a probe would then depend on root's shell setup.) Own process group, so a timeout
    // kills what nsenter started inside a host too.
    const spawnOptions: SpawnOptions = { stdio: [options.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"], env: options.env ?? process.env, cwd: options.cwd, detached: true };
    options.signal?.throwIfAborted();
    const child = spawn(argv[0]!, argv.slice(1), spawnOptions);
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    };
    // Its own process group keeps a Ctrl-C at the terminal from reaching it: an abort stops it instead.
    const onAbort = () => {
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 3000).unref();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    let settled = false;
    const finish = (result: CommandResult) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      if (options.check !== false && (result.code !== 0 || result.timedOut)) reject(new CommandError(result));
      else resolve(result);
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          killGroup("SIGKILL");
          // Do not wait for stray holders of its output: the command's time is up.
          finish({ argv, code: null, signal: "SIGKILL", stdout, stderr, durationMs: Math.round(performance.now() - started), timedOut });
        }, options.timeoutMs)
      : undefined;
    child.on("error", (err) => {
      clearTimeout(timer);
      finish({ argv, code: 127, signal: null, stdout, stderr: stderr + String(err.message), durationMs: Math.round(performance.now() - started), timedOut });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      finish({ argv, code, signal, stdout, stderr, durationMs: Math.round(performance.now() - started), timedOut });
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input ?? "");
    }
  });
}

/** Starts a long-running process detached from this one (it outlives the CLI); returns its pid. */
export function spawnDetached(argv: string[], logFd: number, env?: NodeJS.ProcessEnv): number {
  for (const fn of observers) fn(argv);
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", logFd, logFd], env: env ?? process.env });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${argv.join(" ")}`);
  return child.pid;
}
