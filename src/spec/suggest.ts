// "Did you mean": finds the known key closest to a misspelt one, from the schema itself.
import { distance } from "fastest-levenshtein";
import { StackSpec } from "./schema.js";

type AnyDef = { type?: string; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown; options?: unknown[] };

function defOf(schema: unknown): AnyDef {
  return ((schema as { _zod?: { def?: AnyDef } })._zod?.def ?? {}) as AnyDef;
}

/** Keys an object schema accepts at a path of the spec (unions give the union of their options' keys). */
export function keysAt(path: readonly PropertyKey[]): string[] {
  let nodes: unknown[] = [StackSpec];
  for (const part of path) {
    nodes = nodes.flatMap((n) => unwrap(n)).flatMap((n) => {
      const def = defOf(n);
      if (typeof part === "number") return def.type === "array" ? [def.element] : [];
      const child = def.shape?.[String(part)];
      return child ? [child] : [];
    });
  }
  return [...new Set(nodes.flatMap((n) => unwrap(n)).flatMap((n) => Object.keys(defOf(n).shape ?? {})))];
}

function unwrap(schema: unknown): unknown[] {
  const def = defOf(schema);
  if (def.type === "union" && def.options) return def.options.flatMap((o) => unwrap(o));
  if (def.innerType) return unwrap(def.innerType);
  return [schema];
}

/** The accepted key nearest to `key` at `path`, when it is close enough to be a likely typo. */
export function suggestKey(path: readonly PropertyKey[], key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of keysAt(path)) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
