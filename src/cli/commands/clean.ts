// `stacklab clean`: removes every leftover of stacklab from this machine.
import type { Command } from "commander";
import { clean } from "../../runtime/clean.js";
import { output } from "../common.js";

export function register(program: Command): void {
  program
    .command("clean")
    .description("remove every stacklab leftover (labs, namespaces, processes), found from recorded state and stacklab's own name marks")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const r = await clean();
      output(r, opts.json, (v) =>
        v.labs.length + v.namespaces.length + v.processes.length + v.directories.length === 0
          ? "nothing to clean"
          : `removed ${v.labs.length} lab(s), ${v.namespaces.length} leftover namespace(s), ${v.processes.length} process(es), ${v.directories.length} director(ies)`,
      );
    });
}
