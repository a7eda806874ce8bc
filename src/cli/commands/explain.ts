// `stacklab explain [FILE | --blueprint NAME] [--json]`: explains a design in plain English, for learners.
import type { Command } from "commander";
import { explain, renderExplanation } from "../../explain/index.js";
import { buildModel } from "../../model/index.js";
import { designArgs, output, resolveDesign, type DesignOptions } from "../common.js";

export function register(program: Command): void {
  designArgs(program.command("explain").description("explain a design in plain English: each part and why it is there, and the journey of one request").option("--json", "print JSON")).action(
    async (file: string | undefined, opts: DesignOptions & { json?: boolean }) => {
      const { stack } = await resolveDesign(file, opts);
      output(explain(buildModel(stack)), opts.json, (e) => renderExplanation(e));
    },
  );
}
