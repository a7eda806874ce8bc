// `stacklab diff A B`: what design B adds or removes compared with design A, and which findings it resolves or introduces.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { diffModels, formatDiff, parseAvailabilityOverrides } from "../../analysis/index.js";
import { findBlueprint, loadBlueprint } from "../../blueprints/index.js";
import { buildModel } from "../../model/index.js";
import { SpecInvalidError, UsageError } from "../../spec/errors.js";
import { loadStackFile } from "../../spec/load.js";
import type { Stack } from "../../spec/schema.js";
import { color, output } from "../common.js";
import { collect } from "./plan.js";

/** Loads a design named on the command line: an existing file, else a blueprint name ("2" or "2-secured_and_monitored_web_infrastructure"). */
export async function loadDesignArg(arg: string): Promise<{ stack: Stack; label: string }> {
  if (existsSync(arg)) {
    const result = await loadStackFile(arg);
    if (!result.ok) throw new SpecInvalidError(result.problems, arg);
    return { stack: result.value, label: arg };
  }
  let name: string;
  try {
    name = findBlueprint(arg.replace(/\.ya?ml$/, "")).name;
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`"${arg}" is neither a file nor a blueprint (${err.message.replace(/^unknown blueprint "[^"]*"; /, "")})`);
    throw err;
  }
  return { stack: loadBlueprint(name), label: `blueprint ${name}` };
}

export function register(program: Command): void {
  program
    .command("diff")
    .description("compare two designs: hosts, roles, services, flows and settings B changes, and the findings it resolves or introduces")
    .argument("<a>", "the baseline design: a file, or a blueprint name such as 2")
    .argument("<b>", "the design to compare with it: a file, or a blueprint name such as 3")
    .option("--json", "print JSON")
    .option("--availability <key=value>", "override an availability assumption for both designs, e.g. server=0.995 (repeatable)", collect, [])
    .action(async (a: string, b: string, opts: { json?: boolean; availability: string[] }) => {
      const availability = parseAvailabilityOverrides(opts.availability);
      const [da, db] = [await loadDesignArg(a), await loadDesignArg(b)];
      const diff = diffModels(buildModel(da.stack), buildModel(db.stack), { availability, labels: [da.label, db.label] });
      output(diff, opts.json, (d) => formatDiff(d, { paint: color }));
    });
}
