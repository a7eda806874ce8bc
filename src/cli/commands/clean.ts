// `stacklab clean`: removes every leftover of stacklab from this machine (under this state root).
import type { Command } from "commander";
import { clean, type CleanItem } from "../../runtime/clean.js";
import { output } from "../common.js";

function list(title: string, items: CleanItem[]): string[] {
  return items.length ? [`${title}:`, ...items.map((i) => `  ${i.what}  (${i.why})`)] : [];
}

export function register(program: Command): void {
  program
    .command("clean")
    .description("remove every stacklab leftover (labs, namespaces, processes), found from recorded state and stacklab's own marks; labs busy with another command are left alone")
    .option("--dry-run", "only list what would be removed, and why each is stacklab's")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean; dryRun?: boolean }) => {
      const r = await clean({ dryRun: opts.dryRun === true });
      output(r, opts.json, (v) => {
        const total = v.labs.length + v.namespaces.length + v.processes.length + v.directories.length;
        const lines = [
          ...(v.dryRun ? list("labs that would be removed", v.labs) : []),
          ...(v.dryRun ? list("namespaces", v.namespaces) : []),
          ...(v.dryRun ? list("processes", v.processes) : []),
          ...(v.dryRun ? list("folders", v.directories) : []),
          ...list("left alone", v.skipped),
        ];
        const head =
          total === 0
            ? "nothing to clean"
            : `${v.dryRun ? "would remove" : "removed"} ${v.labs.length} lab(s), ${v.namespaces.length} namespace(s), ${v.processes.length} process(es), ${v.directories.length} folder(s)`;
        return [head, ...lines].join("\n");
      });
    });
}
