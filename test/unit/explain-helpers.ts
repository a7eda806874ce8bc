// Shared helpers for the explain tests: models of the blueprints and of inline designs, section text.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { explain, type Explanation, type SectionId } from "../../src/explain/index.js";
import { buildModel, type Model } from "../../src/model/index.js";
import { loadStackYaml, validateStack } from "../../src/spec/load.js";

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "golden", "explain");
export const BLUEPRINTS = ["0-simple_web_stack", "1-distributed_web_infrastructure", "2-secured_and_monitored_web_infrastructure", "3-scale_up"];

/** The model of a blueprint, by number or name. */
export function blueprintModel(name: string): Model {
  return buildModel(loadBlueprint(name));
}

/** The model of a design given as a plain object (fails the test if it is invalid). */
export function inlineModel(spec: unknown): Model {
  const result = validateStack(spec);
  if (!result.ok) throw new Error(`invalid test design: ${JSON.stringify(result.problems)}`);
  return buildModel(result.value);
}

/** The model of the custom design kept beside the golden files. */
export function customModel(): Model {
  const file = join(GOLDEN_DIR, "custom-leastconn.yaml");
  const result = loadStackYaml(readFileSync(file, "utf8"), file);
  if (!result.ok) throw new Error(`invalid custom design: ${JSON.stringify(result.problems)}`);
  return buildModel(result.value);
}

/** All the words of one section, blocks joined (subheadings, paragraphs and bullets). */
export function sectionText(e: Explanation, id: SectionId): string {
  const s = e.sections.find((x) => x.id === id);
  if (!s) throw new Error(`no section ${id}`);
  return s.blocks.map((b) => (b.kind === "bullets" ? b.items.join("\n") : b.text)).join("\n");
}

/** Explains a blueprint. */
export function explainBlueprint(name: string): Explanation {
  return explain(blueprintModel(name));
}
