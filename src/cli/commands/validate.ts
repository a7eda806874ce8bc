// `stacklab validate [FILE | --blueprint NAME] [--json]`: checks a design; prints its hosts, or every problem (exit 2).
import type { Command } from "commander";
import { buildModel } from "../../model/build.js";
import { SpecInvalidError, type SpecProblem } from "../../spec/errors.js";
import { color, designArgs, EXIT, ExitCode, output, resolveDesign, type DesignOptions } from "../common.js";

/** What `validate` found: the lab's hosts when the design is valid, else every problem. */
export interface ValidateReport {
  ok: boolean;
  source: string;
  hosts: string[];
  problems: SpecProblem[];
}

/** Loads and checks a design without touching the machine. */
export async function validateDesign(file: string | undefined, opts: DesignOptions): Promise<ValidateReport> {
  try {
    const { stack, source } = await resolveDesign(file, opts);
    return { ok: true, source, hosts: buildModel(stack).hosts.map((h) => h.name), problems: [] };
  } catch (err) {
    if (!(err instanceof SpecInvalidError)) throw err;
    return { ok: false, source: err.file ?? file ?? "the design", hosts: [], problems: err.problems };
  }
}

export function register(program: Command): void {
  designArgs(program.command("validate").description("check a design and report every problem in it at once (exit 2 when invalid)"))
    .option("--json", "print JSON")
    .action(async (file: string | undefined, opts: DesignOptions & { json?: boolean }) => {
      const report = await validateDesign(file, opts);
      // Problems go to stderr as `file:line:col [path] message`, through the CLI's handler for invalid designs.
      if (!report.ok && !opts.json) throw new SpecInvalidError(report.problems, report.source);
      output(report, opts.json, (r) => `${color("green", "ok:")} ${r.source}: ${r.hosts.length} hosts (${r.hosts.join(", ")})`);
      if (!report.ok) throw new ExitCode(EXIT.usage);
    });
}
