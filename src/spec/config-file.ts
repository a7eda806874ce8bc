// Loads a design written in TypeScript or JavaScript (stacklab.config.ts) and returns its default export.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SpecProblem } from "./errors.js";

/** Extensions loaded as modules rather than parsed as YAML or JSON. */
export const MODULE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/** Imports a config module with jiti and returns what it exports as default (awaited, and called when it is a function). */
export async function importConfig(file: string): Promise<{ ok: true; value: unknown } | { ok: false; problems: SpecProblem[] }> {
  try {
    const { createJiti } = await import("jiti");
    // `import { defineStack } from "stacklab"` resolves to this very copy of stacklab, installed or not.
    // The transpile cache is keyed by content, so it stays safe while the user edits the file.
    const jiti = createJiti(import.meta.url, { moduleCache: false, alias: { stacklab: selfEntry() } });
    const mod = (await jiti.import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
    // jiti hands back the whole module as `default` when there is none; only a real default export counts.
    let value = Object.getOwnPropertyNames(mod).includes("default") ? await mod.default : undefined;
    if (typeof value === "function") value = await (value as () => unknown)();
    if (value === undefined) return { ok: false, problems: [{ path: "(module)", message: "nothing is exported as default; end the file with `export default defineStack({...})`" }] };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, problems: [{ path: "(module)", message: `could not load the module: ${firstLine(err)}` }] };
  }
}

/** The entry point of the running stacklab: dist/index.js when built, src/index.ts when run from source. */
function selfEntry(): string {
  const js = fileURLToPath(new URL("../index.js", import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, ".ts");
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0] ?? message;
}
