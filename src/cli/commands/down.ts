// `stacklab down`: stops a lab and removes everything it created.
import type { Command } from "commander";
import { down } from "../../runtime/down.js";
import { output } from "../common.js";
import { labName } from "../../runtime/lab.js";
import { waitOption, withLockedName } from "../lab-lock.js";

export function register(program: Command): void {
  waitOption(program.command("down"))
    .description("stop a lab and remove its hosts, networks and files")
    .option("-n, --name <lab>", "lab to stop (default: the only one running)")
    .option("--json", "print JSON")
    .action(async (opts: { name?: string; json?: boolean; wait?: boolean }) => {
      // Not through the lab's model: a lab whose state file is corrupt or from an older stacklab can still be taken down.
      const name = labName(opts.name, { anyFolder: true });
      const r = await withLockedName(name, opts, "stacklab down", () => down(name));
      output({ name, ...r }, opts.json, (v) => `lab "${v.name}" stopped: ${v.hosts} hosts removed in ${(v.durationMs / 1000).toFixed(2)} s`);
    });
}
