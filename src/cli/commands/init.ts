// `stacklab init --blueprint NAME [DIR]`: writes an editable stack.yaml from a built-in design.
import type { Command } from "commander";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { blueprintText } from "../../blueprints/index.js";
import { UsageError } from "../../spec/errors.js";

export function register(program: Command): void {
  program
    .command("init")
    .description("write an editable stack.yaml from a built-in design")
    .argument("[dir]", "directory to write stack.yaml into", ".")
    .option("-b, --blueprint <name>", "built-in design to start from", "3-scale_up")
    .option("-f, --force", "overwrite an existing stack.yaml")
    .action((dir: string, opts: { blueprint: string; force?: boolean }) => {
      const file = join(dir, "stack.yaml");
      if (existsSync(file) && !opts.force) throw new UsageError(`${file} exists; pass --force to overwrite it`);
      const text = blueprintText(opts.blueprint)
        .replace(/^\$schema: .*$/m, "$schema: ./node_modules/stacklab/schema/stack.schema.json")
        .replace(/^/, "# yaml-language-server: $schema=./node_modules/stacklab/schema/stack.schema.json\n");
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file} (from blueprint ${opts.blueprint})\nnext: stacklab plan ${file}\n`);
    });
}
