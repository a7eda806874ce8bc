// `stacklab blueprints`: lists the built-in designs.
import type { Command } from "commander";
import { listBlueprints } from "../../blueprints/index.js";
import { color, output } from "../common.js";

export function register(program: Command): void {
  program
    .command("blueprints")
    .description("list the built-in designs")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const list = listBlueprints().map(({ name, description }) => ({ name, description }));
      output(list, opts.json, (l) => l.map((b) => `${color("bold", b.name)}\n  ${b.description}`).join("\n"));
    });
}
