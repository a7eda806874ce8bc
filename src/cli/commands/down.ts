// `stacklab down`: stops a lab and removes everything it created.
import type { Command } from "commander";
import { down } from "../../runtime/down.js";
import { loadLab } from "../../runtime/status.js";
import { output } from "../common.js";

export function register(program: Command): void {
  program
    .command("down")
    .description("stop a lab and remove its hosts, networks and files")
    .option("-n, --name <lab>", "lab to stop (default: the only one running)")
    .option("--json", "print JSON")
    .action(async (opts: { name?: string; json?: boolean }) => {
      const { state } = loadLab(opts.name);
      const r = await down(state.name);
      output({ name: state.name, ...r }, opts.json, (v) => `lab "${v.name}" stopped: ${v.hosts} hosts removed in ${(v.durationMs / 1000).toFixed(2)} s`);
    });
}
