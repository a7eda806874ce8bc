// The order integration files run in (vitest.config.ts's sequencer), and which of them use a shared lab
// (shared-lab.ts). Files that share a seed design's lab run first, grouped by the highest blueprint they use, so
// each shared lab comes up once, is used by its files one after the other, and goes down after its last user:
// the files after them (failover, operations, sizes...) run with no idle shared lab beside them.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

const DIR = import.meta.dirname;

/** The seed blueprints (0-3) whose shared lab a file uses, from its useSharedLab/sharedLabName calls. */
export function sharedUses(file: string): number[] {
  const text = readFileSync(file, "utf8");
  return [...new Set([...text.matchAll(/\b(?:useSharedLab|sharedLabName)\("(\d)-/g)].map((m) => Number(m[1])))].sort();
}

/** Files using shared labs first, by the highest blueprint they use, then by name; then every other file by name. */
export function integrationOrder(files: string[]): string[] {
  const group = new Map(files.map((f) => [f, sharedUses(f).at(-1) ?? 99]));
  return [...files].sort((a, b) => group.get(a)! - group.get(b)! || basename(a).localeCompare(basename(b)));
}

/** Whether a file after `file`, in the order of the whole integration folder, uses blueprint `bp`'s shared lab. */
export function usedLater(file: string, bp: number): boolean {
  const all = integrationOrder(
    readdirSync(DIR)
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => join(DIR, f)),
  );
  return all.slice(all.indexOf(file) + 1).some((f) => sharedUses(f).includes(bp));
}
