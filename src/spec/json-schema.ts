// The JSON Schema of stack.yaml, generated from the one zod schema so the two never drift.
import { z } from "zod";
import { StackSpec } from "./schema.js";

/** Where the published schema lives; editors may fetch it from there. */
export const SCHEMA_ID = "https://unpkg.com/stacklab/schema/stack.schema.json";

/** JSON Schema (draft 2020-12) describing what a person may write in stack.yaml; defaults are shown, never required. */
export function stackJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(StackSpec, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return { $schema, $id: SCHEMA_ID, title: "stacklab design (stack.yaml)", ...rest };
}
