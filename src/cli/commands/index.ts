// The list of verbs. Each module registers one command (or one command group) on the program.
import type { Command } from "commander";
import { register as blueprints } from "./blueprints.js";
import { register as init } from "./init.js";
import { register as schema } from "./schema.js";

/** Registers every command, in the order `--help` lists them; add a verb by adding its module here. */
export function registerAll(program: Command): void {
  const modules = [
    blueprints,
    init,
    schema,
  ];
  for (const register of modules) register(program);
}
