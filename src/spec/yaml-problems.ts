// Problems found in the YAML text itself, before there is a design to check: syntax, odd keys, aliases.
import { isMap, isScalar, type Document, type LineCounter, visit } from "yaml";
import { formatPath, type RawProblem, type SpecProblem } from "./errors.js";
import { locate } from "./locate.js";

/** A problem of the design placed at its line and column in the YAML. */
export function located(p: RawProblem, doc: Document, lines: LineCounter): SpecProblem {
  return { path: formatPath(p.at), message: p.message, ...locate(doc, lines, p.at, p.onKey) };
}

/** An alias that cannot be expanded (unknown anchor, or too many expansions), at the first unresolved alias when there is one. */
export function aliasProblem(err: unknown, doc: Document, lines: LineCounter): SpecProblem {
  let offset = 0;
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined || !alias.range) return undefined;
      offset = alias.range[0];
      return visit.BREAK;
    },
  });
  const pos = lines.linePos(offset);
  return { path: "(yaml)", message: `cannot expand the aliases: ${(err as Error).message}`, line: pos.line, column: pos.col };
}

/** Keys that are lists or mappings (`? [a, b]`): a design's keys are plain words. */
export function complexKeys(doc: Document, lines: LineCounter): SpecProblem[] {
  const problems: SpecProblem[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (pair.key === null || isScalar(pair.key)) return;
      const range = (pair.key as { range?: [number, number, number] }).range;
      const pos = range ? lines.linePos(range[0]) : { line: 1, col: 1 };
      problems.push({ path: "(yaml)", message: "a key must be a plain word, not a list or mapping", line: pos.line, column: pos.col });
    },
  });
  return problems;
}

/** A syntax error of the YAML parser, with a clearer message for a repeated key. */
export function yamlProblem(e: { code: string; message: string; pos: [number, number] }, text: string, lines: LineCounter): SpecProblem {
  const pos = lines.linePos(e.pos[0]);
  const first = e.message.split("\n")[0] ?? e.message;
  const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n,{}[\]]+)/.exec(text.slice(e.pos[0]))?.[1]?.trim();
  const message = e.code === "DUPLICATE_KEY" && key ? `duplicate key ${key}: each key may appear once in a mapping` : first;
  return { path: "(yaml)", message, line: pos.line, column: pos.col };
}

/**
 * Keys written twice in one mapping, found in one pass with a set per mapping (the parser's own `uniqueKeys`
 * compares every pair of keys: 40,000 keys took minutes).
 */
export function duplicateKeys(doc: Document, lines: LineCounter): SpecProblem[] {
  const problems: SpecProblem[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (seen.has(key)) {
          const pos = lines.linePos(pair.key.range?.[0] ?? 0);
          problems.push({ path: "(yaml)", message: `duplicate key ${String(key)}: each key may appear once in a mapping`, line: pos.line, column: pos.col });
        }
        seen.add(key);
      }
    },
  });
  return problems;
}
