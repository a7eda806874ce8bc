// Turns zod's issues into problems a person can act on: what is wrong, what was found, what would fit.
import type { z } from "zod";
import type { RawProblem } from "./errors.js";
import { keyHint, shorthandHint, suggestKey, valueHint } from "./suggest.js";

type Issue = z.core.$ZodIssue;

/** Problems for all of a parse's issues; a key reported missing is left out when an unknown key next to it is its likely misspelling. */
export function issuesToProblems(issues: readonly Issue[], limit = Infinity): RawProblem[] {
  const problems: RawProblem[] = [];
  for (const issue of issues) {
    if (problems.length >= limit) break;
    problems.push(...issueToProblems(issue, limit - problems.length));
  }
  const covered = new Set(problems.flatMap((p) => (p.covers ? [JSON.stringify(p.covers)] : [])));
  return problems.filter((p) => !(p.message === MISSING && covered.has(JSON.stringify(p.at))));
}

const MISSING = "is required";

/** One or more problems for a zod issue (an unknown-keys issue gives one problem per key). */
export function issueToProblems(issue: Issue, limit = Infinity): RawProblem[] {
  const at = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  if (issue.code === "unrecognized_keys") {
    return issue.keys.slice(0, limit).map((key) => {
      const meant = suggestKey(at, key);
      return { at: [...at, key], onKey: true, message: withHint(`unknown key ${JSON.stringify(key)}`, keyHint(at, key)), ...(meant ? { covers: [...at, meant] } : {}) };
    });
  }
  return [{ at, message: withExample(issueMessage(issue, at), at) }];
}

/** Fields whose every problem is told with an example of a good value. */
const EXAMPLES: Record<string, string> = {
  "size.cpu": "e.g. cpu: 0.5 (half a core) or cpu: 2",
  "size.memory": "e.g. memory: 512Mi or memory: 1Gi",
};

function withExample(message: string, at: (string | number)[]): string {
  const key = at.slice(-2).join(".");
  const example = EXAMPLES[key];
  return example && !message.includes("e.g.") ? `${message} (${example})` : message;
}

function issueMessage(issue: Issue, at: (string | number)[]): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type":
      if (issue.path.length === 0) return `the design must be a mapping (key: value) with at least \`servers:\`; got ${describe(input)}`;
      if (input === undefined) return MISSING;
      if (input === null) {
        const section = issue.expected === "object" && typeof issue.path[issue.path.length - 1] === "string";
        return `is empty; expected ${typeName(issue.expected)}${section ? " (or remove the key to use the defaults)" : ""}`;
      }
      return withHint(`expected ${typeName(issue.expected)}, got ${typeof input === "string" ? "the string " : ""}${describe(input)}`, issue.expected === "object" ? shorthandHint(at, input) : "");
    case "invalid_value":
      if (issue.values.length === 1) return `must be ${show(issue.values[0])}, got ${describe(input)}`;
      return withHint(`must be one of ${issue.values.map(show).join(", ")}; got ${describe(input)}`, valueHint(issue.values, input));
    case "too_small":
    case "too_big":
      return boundMessage(issue, input);
    case "invalid_format":
      return `${issue.message.startsWith("Invalid") ? "has the wrong format" : issue.message}; got ${describe(input)}`;
    case "invalid_union": {
      const options = (issue as { options?: unknown[] }).options;
      const discriminator = (issue as { discriminator?: string }).discriminator;
      if (options && discriminator) {
        const given = input !== null && typeof input === "object" ? (input as Record<string, unknown>)[discriminator] : undefined;
        const list = options.map(show).join(" or ");
        return given === undefined ? `is required: ${list}` : withHint(`must be ${list}; got ${describe(given)}`, valueHint(options, given));
      }
      return issue.message;
    }
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}; got ${describe(input)}`;
    default:
      return issue.message;
  }
}

function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, input: unknown): string {
  const small = issue.code === "too_small";
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case "array":
    case "set":
      return small ? `needs at least ${plural(limit, "item")}` : `has ${Array.isArray(input) ? input.length : "too many"} items; at most ${limit}`;
    case "string":
      if (small && limit === 1) return "must not be empty";
      return small ? `must be at least ${plural(limit, "character")}` : `must be at most ${plural(limit, "character")}`;
    default: {
      const bound = small ? (inclusive ? "at least" : "greater than") : inclusive ? "at most" : "less than";
      return `must be ${bound} ${limit}; got ${describe(input)}`;
    }
  }
}

function withHint(message: string, hint: string): string {
  return hint ? `${message}; ${hint}` : message;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const TYPE_NAMES: Record<string, string> = {
  object: "a mapping (key: value)",
  array: "a list",
  number: "a number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** A short description of a value a person wrote: `"two"`, `2.5`, `a list`. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}
