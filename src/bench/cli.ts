// Running stacklab's own CLI as a user would, and keeping track of the labs the benchmark has up so that
// they always come down, also after a failure or Ctrl-C.
import { join } from "node:path";
import { run, type CommandResult } from "../runtime/exec.js";
import { REPO_DIR } from "../runtime/repo.js";
import { readState } from "../runtime/state.js";

/** Every lab the benchmark creates is named with this prefix. */
export const LAB_PREFIX = "bx-";

/** Runs `stacklab ARGS...` (the built CLI, no colours); the record's durationMs is its wall-clock time. */
export function stacklab(args: string[], timeoutMs: number): Promise<CommandResult> {
  return run([process.execPath, join(REPO_DIR, "bin/stacklab.js"), ...args], { check: false, timeoutMs, env: { ...process.env, NO_COLOR: "1" } });
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
