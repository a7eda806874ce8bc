// The built-in designs: the four foobar.com stacks of the seeds, shipped as editable YAML.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadStackYaml } from "../spec/load.js";
import type { Stack } from "../spec/schema.js";
import { SpecInvalidError, UsageError } from "../spec/errors.js";

/** Folder holding the blueprint YAML files (shipped with the package). */
export const BLUEPRINT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "blueprints");

export interface Blueprint {
  name: string;
  description: string;
  file: string;
}

/** Lists the built-in designs, in order. */
export function listBlueprints(): Blueprint[] {
  return readdirSync(BLUEPRINT_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const file = join(BLUEPRINT_DIR, f);
      const result = loadStackYaml(readFileSync(file, "utf8"), file);
      return { name: f.replace(/\.yaml$/, ""), description: result.ok ? (result.value.description ?? "") : "(invalid)", file };
    });
}

/** Finds a blueprint by full name or by its number prefix ("3" or "3-scale_up"). */
export function findBlueprint(name: string): Blueprint {
  const all = listBlueprints();
  const found = all.find((b) => b.name === name) ?? all.find((b) => b.name.split("-")[0] === name);
  if (!found) throw new UsageError(`unknown blueprint "${name}"; known: ${all.map((b) => b.name).join(", ")}`);
  return found;
}

/** The YAML text of a blueprint. */
export function blueprintText(name: string): string {
  return readFileSync(findBlueprint(name).file, "utf8");
}

/** Loads and validates a blueprint. */
export function loadBlueprint(name: string): Stack {
  const bp = findBlueprint(name);
  const result = loadStackYaml(readFileSync(bp.file, "utf8"), bp.file);
  if (!result.ok) throw new SpecInvalidError(result.problems, bp.file);
  return result.value;
}
