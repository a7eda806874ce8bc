// `down`: stops a lab from its recorded state: every process it started, its namespaces, its files.
import { rmSync } from "node:fs";
import { deleteNamespaces } from "./network.js";
import { labDir } from "./paths.js";
import { isAlive, readState, type ProcRecord } from "./state.js";
import { requireRoot } from "./preflight.js";
import { UsageError } from "../spec/errors.js";

/** Sends SIGKILL to a recorded process if it is still the same process. */
export function killRecorded(proc: ProcRecord | undefined, signal: NodeJS.Signals = "SIGKILL"): boolean {
  if (!proc || !isAlive(proc)) return false;
  try {
    process.kill(proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Waits until none of the recorded processes runs any more. */
async function waitGone(procs: ProcRecord[], timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (procs.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** Tears a lab down. Killing a host's init ends every process in its PID namespace. */
export async function down(lab: string, opts: { quiet?: boolean } = {}): Promise<{ hosts: number; durationMs: number }> {
  requireRoot("down");
  const started = performance.now();
  const state = readState(lab);
  if (!state) {
    if (opts.quiet) return { hosts: 0, durationMs: 0 };
    throw new UsageError(`no lab named "${lab}" (see \`stacklab status\`)`);
  }
  const procs = [...state.extra, ...state.hosts.flatMap((h) => [h.init, h.launcher].filter((p): p is ProcRecord => p !== undefined))];
  for (const p of procs) killRecorded(p);
  await waitGone(procs);
  await deleteNamespaces([...state.hosts.map((h) => h.netns), state.switchNetns]);
  rmSync(labDir(lab), { recursive: true, force: true });
  return { hosts: state.hosts.length, durationMs: Math.round(performance.now() - started) };
}
