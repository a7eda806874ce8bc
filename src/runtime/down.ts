// `down`: stops a lab from its recorded state: every process it started, its namespaces, its files.
import { existsSync } from "node:fs";
import { namespacesOf, removeLab } from "./lifecycle.js";
import { labDir } from "./paths.js";
import { readStateRaw, StateError, type LabState } from "./state.js";
import { requireRoot } from "./preflight.js";
import { UsageError } from "../spec/errors.js";

export { killRecorded } from "./lifecycle.js";

/**
 * Tears a lab down (the caller holds its lock). Killing a host's init ends every process in its PID namespace.
 * Reads the record raw: a lab recorded by an older stacklab can still be taken down.
 */
export async function down(lab: string, opts: { quiet?: boolean } = {}): Promise<{ hosts: number; durationMs: number }> {
  requireRoot("down");
  const started = performance.now();
  let state: Pick<LabState, "name" | "hosts" | "switchNetns" | "extra"> | undefined;
  try {
    state = readStateRaw(lab);
  } catch (err) {
    // A record that cannot be read: the lab's marked processes, its folder and the namespaces named after it go.
    if (!(err instanceof StateError)) throw err;
    state = { name: lab, hosts: [], switchNetns: "", extra: [] };
  }
  if (!state && existsSync(labDir(lab))) state = { name: lab, hosts: [], switchNetns: "", extra: [] };
  if (!state) {
    if (opts.quiet) return { hosts: 0, durationMs: 0 };
    throw new UsageError(`no lab named "${lab}" (see \`stacklab status\`)`);
  }
  const named = await namespacesOf(lab);
  await removeLab({
    ...state,
    hosts: [...state.hosts, ...named.filter((n) => !state.hosts.some((h) => h.netns === n) && n !== state.switchNetns).map((netns) => ({ name: netns, netns, links: [] }))],
  });
  return { hosts: state.hosts.length, durationMs: Math.round(performance.now() - started) };
}
