// The spec layer: schema, loading, validation, and `defineStack` for typed config files.
import type { StackInput } from "./schema.js";

export * from "./schema.js";
export * from "./errors.js";
export { loadStackFile, loadStackYaml, validateStack } from "./load.js";
export { expandServers, lbHostNames, MONITOR_HOST } from "./hosts.js";

/** Declares a design in stacklab.config.ts with full type checking: `export default defineStack({...})`. */
export function defineStack(stack: StackInput): StackInput {
  return stack;
}
