// The JSON Schema of stack.yaml, generated from the one zod schema so the two never drift.
import { z } from "zod";
import { StackSpec } from "./schema.js";

/** JSON Schema (draft 2020-12) describing what a person may write in stack.yaml. */
export function stackJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(StackSpec, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return { title: "stacklab design (stack.yaml)", ...schema };
}
