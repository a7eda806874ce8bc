// Commands that change a lab hold its lock while they work (see src/runtime/lock.ts): one helper for all of them.
import type { Command } from "commander";
import type { Model } from "../model/types.js";
import { lockLab, type LockHolder } from "../runtime/lock.js";
import { openLab as loadLab } from "../runtime/lab.js";
import type { LabState } from "../runtime/state.js";

/** The command line as the holder of a lock is named to others (`stacklab fault kill lb-1`). */
export function commandLine(): string {
  return ["stacklab", ...process.argv.slice(2)].join(" ").slice(0, 200);
}

/** How long `--wait` waits for another command at most (a bounded wait, like every loop of stacklab). */
export const WAIT_LIMIT_MS = 15 * 60_000;

/** Adds `--wait` to a command that takes a lab's lock. */
export function waitOption(cmd: Command): Command {
  return cmd.option("--wait", "when another command is changing the lab, wait for it to finish (at most 15 min) instead of failing");
}

/**
 * Opens a lab under its lock, runs `fn`, and releases the lock. The lab's state is read after the lock is taken,
 * so nothing recorded by the command that held it before (a fault, a new host) is lost when `fn` writes it back.
 * A busy lab fails at once with exit 2 naming the holder, or is waited for with `--wait`.
 */
export async function withLockedLab<T>(opts: { name?: string; wait?: boolean }, command: string, fn: (lab: { state: LabState; model: Model }) => Promise<T>): Promise<T> {
  const name = loadLab(opts.name).state.name;
  return withLockedName(name, opts, command, async () => fn(loadLab(name)));
}

/** Holds the lock of the lab named `name` (which may have no readable state: `down` of a broken lab) while `fn` runs. */
export async function withLockedName<T>(name: string, opts: { wait?: boolean }, command: string, fn: () => Promise<T>): Promise<T> {
  const lock = await lockLab(name, command, {
    ...(opts.wait ? { waitMs: WAIT_LIMIT_MS } : {}),
    onWait: (h: LockHolder) => process.stderr.write(`waiting for \`${h.command}\` (pid ${h.pid}) to finish with lab "${name}"...\n`),
  });
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/**
 * Opens a lab and holds its lock until this process exits (for one-shot commands: `fault`, `maintain`, `db`...).
 * A process killed outright leaves a stale lock that the next command takes over.
 */
export async function openLockedLab(opts: { name?: string; wait?: boolean }, command: string): Promise<{ state: LabState; model: Model }> {
  const name = loadLab(opts.name).state.name;
  const lock = await lockLab(name, command, {
    ...(opts.wait ? { waitMs: WAIT_LIMIT_MS } : {}),
    onWait: (h: LockHolder) => process.stderr.write(`waiting for \`${h.command}\` (pid ${h.pid}) to finish with lab "${name}"...\n`),
  });
  process.once("exit", () => lock.release());
  return loadLab(name);
}
