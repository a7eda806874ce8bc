// `stacklab schema`: prints or writes the JSON Schema of stack.yaml, generated from the zod schema.
import type { Command } from "commander";
import { writeFileSync } from "node:fs";
import { stackJsonSchema } from "../../spec/json-schema.js";

export function register(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of stack.yaml (for editors)")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action((opts: { output?: string }) => {
      const text = `${JSON.stringify(stackJsonSchema(), null, 2)}\n`;
      if (opts.output) writeFileSync(opts.output, text);
      else process.stdout.write(text);
    });
}
