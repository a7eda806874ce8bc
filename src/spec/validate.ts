// Validates a parsed design: plain data, then the zod schema, then the design rules; every problem at once.
import type { z } from "zod";
import { StackSpec, type Stack } from "./schema.js";
import { checkSemantics } from "./semantics.js";
import type { RawProblem } from "./errors.js";
import { issuesToProblems } from "./issues.js";
import { nonPlainData } from "./plain.js";

/** A validated design, or every problem with its path as keys and indexes. */
export type RawResult = { ok: true; value: Stack } | { ok: false; problems: RawProblem[] };

/** Validates any value; never throws (a failure of stacklab itself becomes an "internal error" problem). */
export function validateRaw(input: unknown): RawResult {
  try {
    const odd = nonPlainData(input);
    if (odd.length) return { ok: false, problems: odd };
    const parsed = StackSpec.safeParse(input, { reportInput: true });
    if (parsed.success) {
      const { $schema: _editorHint, ...value } = parsed.data;
      const problems = checkSemantics(value);
      return problems.length ? { ok: false, problems } : { ok: true, value };
    }
    const problems = issuesToProblems(parsed.error.issues);
    // When only unknown keys are wrong, check the rest of the design as well, so every problem shows at once.
    if (parsed.error.issues.every((i) => i.code === "unrecognized_keys")) {
      const cleaned = StackSpec.safeParse(withoutKeys(input, parsed.error.issues));
      if (cleaned.success) problems.push(...checkSemantics(cleaned.data));
    }
    return { ok: false, problems };
  } catch (err) {
    return { ok: false, problems: [internalError(err)] };
  }
}

/** A copy of `input` without the unknown keys the issues name; only the objects on their paths are copied. */
function withoutKeys(input: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  let out = input;
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    out = updateAt(out, issue.path, (obj) => {
      const copy = { ...(obj as Record<string, unknown>) };
      for (const key of issue.keys) delete copy[key];
      return copy;
    });
  }
  return out;
}

function updateAt(value: unknown, path: readonly PropertyKey[], change: (v: unknown) => unknown): unknown {
  if (path.length === 0) return change(value);
  if (value === null || typeof value !== "object") return value;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<PropertyKey, unknown>;
  copy[head as PropertyKey] = updateAt(copy[head as PropertyKey], rest, change);
  return copy;
}

/** The message a failure of stacklab itself gives; fuzzing checks it never appears. */
export function internalError(err: unknown): RawProblem {
  return { at: [], message: `internal error while validating (please report it): ${(err as Error)?.message ?? String(err)}` };
}
