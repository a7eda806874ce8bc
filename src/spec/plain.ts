// Finds values that are not plain data (binary, dates, functions, class instances) before the schema sees them.
import type { RawProblem } from "./errors.js";

/** Problems for every value (up to `limit`) that is not text, a number, true/false, a list or a mapping. */
export function nonPlainData(input: unknown, limit = 20): RawProblem[] {
  const problems: RawProblem[] = [];
  const seen = new WeakSet<object>();
  const walk = (value: unknown, at: (string | number)[]): void => {
    if (problems.length >= limit || value === null || value === undefined) return;
    const type = typeof value;
    if (type === "string" || type === "number" || type === "boolean") return;
    if (type === "object") {
      const obj = value as object;
      if (seen.has(obj)) return;
      seen.add(obj);
      if (Array.isArray(obj)) return obj.forEach((item, i) => walk(item, [...at, i]));
      const proto = Object.getPrototypeOf(obj) as unknown;
      if (proto === Object.prototype || proto === null) {
        for (const [key, item] of Object.entries(obj)) walk(item, [...at, key]);
        return;
      }
    }
    problems.push({ at, message: `expected plain data (a string, number, true/false, list or mapping), got ${kindOf(value)}` });
  };
  walk(input, []);
  return problems;
}

function kindOf(value: unknown): string {
  if (value instanceof Uint8Array) return "binary data";
  if (value instanceof Date) return "a date";
  if (value instanceof Map) return "a map object";
  if (value instanceof Set) return "a set";
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return `an object of class ${(value as object).constructor?.name ?? "unknown"}`;
  return `a ${typeof value}`;
}

/** Strings (values or keys) longer than `max` characters, up to `limit` of them: refused before the schema reads them. */
export function oversizedStrings(input: unknown, max: number, limit: number): RawProblem[] {
  const problems: RawProblem[] = [];
  const seen = new WeakSet<object>();
  const walk = (value: unknown, at: (string | number)[]): void => {
    if (problems.length >= limit) return;
    if (typeof value === "string") {
      if (value.length > max) problems.push({ at, message: `is ${value.length} characters long; at most ${max} (no field of a design needs more)` });
      return;
    }
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, [...at, i]));
    for (const [key, item] of Object.entries(value)) {
      if (key.length > 256) problems.push({ at, message: `has a key ${key.length} characters long; keys are at most 256` });
      else walk(item, [...at, key]);
    }
  };
  walk(input, []);
  return problems;
}
