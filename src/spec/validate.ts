// Validates a parsed design: plain data, then the zod schema, then the design rules; every problem at once.
import type { z } from "zod";
import { StackSpec, type Stack } from "./schema.js";
import { checkSemantics } from "./semantics.js";
import type { RawProblem } from "./errors.js";
import { issuesToProblems } from "./issues.js";
import { nonPlainData, oversizedStrings } from "./plain.js";

/** At most this many problems are reported; a design with more is refused with the first ones and a count. */
export const MAX_PROBLEMS = 200;
/** No string of a design may be longer (each field has its own, smaller maximum); longer ones are refused before the schema. */
export const MAX_STRING = 65_536;

/** A validated design, or every problem with its path as keys and indexes. */
export type RawResult = { ok: true; value: Stack } | { ok: false; problems: RawProblem[] };

/** Validates any value; never throws (a failure of stacklab itself becomes an "internal error" problem). */
export function validateRaw(input: unknown): RawResult {
  try {
    const odd = nonPlainData(input);
    if (odd.length) return { ok: false, problems: odd };
    const long = oversizedStrings(input, MAX_STRING, MAX_PROBLEMS);
    if (long.length) return { ok: false, problems: long };
    const parsed = StackSpec.safeParse(input, { reportInput: true });
    if (parsed.success) {
      const { $schema: _editorHint, ...value } = parsed.data;
      const problems = checkSemantics(value);
      return problems.length ? { ok: false, problems: capped(problems) } : { ok: true, value };
    }
    const problems = issuesToProblems(parsed.error.issues, MAX_PROBLEMS + 1);
    // When only unknown keys are wrong, check the rest of the design as well, so every problem shows at once.
    if (problems.length <= MAX_PROBLEMS && parsed.error.issues.every((i) => i.code === "unrecognized_keys")) {
      const cleaned = StackSpec.safeParse(withoutKeys(input, parsed.error.issues));
      if (cleaned.success) problems.push(...checkSemantics(cleaned.data));
    }
    return { ok: false, problems: capped(problems) };
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

/** The first MAX_PROBLEMS problems, and one more saying the design was refused there. */
function capped(problems: RawProblem[]): RawProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), { at: [], message: `more than ${MAX_PROBLEMS} problems: stopped here; fix these first (is this file a stacklab design?)` }];
}
