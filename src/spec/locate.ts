// Finds where a path of the spec is written in the YAML text, so every problem can give its line and column.
import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from "yaml";

/** Line and column (1-based) of a path in a YAML document: its value, or its key when `onKey` or when the value is empty; the nearest written ancestor otherwise. */
export function locate(doc: Document, lines: LineCounter, at: readonly (string | number)[], onKey = false): { line: number; column: number } | undefined {
  for (let n = at.length; n >= 0; n--) {
    const offset = n === 0 ? rangeStart(doc.contents) : entryOffset(doc, at.slice(0, n), onKey && n === at.length);
    if (offset !== undefined) {
      const pos = lines.linePos(offset);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

/** Offset of the entry at `path` inside its parent: the value's start, or the key's when asked or when the value is empty. */
function entryOffset(doc: Document, path: readonly (string | number)[], preferKey: boolean): number | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isSeq(parent)) return typeof last === "number" ? rangeStart(parent.items[last]) : undefined;
  if (!isMap(parent)) return undefined;
  const pair = (parent.items as Pair[]).find((p) => sameKey(p.key, last));
  if (!pair) return undefined;
  const value = rangeStart(pair.value);
  const isEmpty = isScalar(pair.value) && pair.value.value === null;
  return preferKey || value === undefined || isEmpty ? (rangeStart(pair.key) ?? value) : value;
}

function sameKey(key: unknown, wanted: string | number | undefined): boolean {
  if (isScalar(key)) return String(key.value) === String(wanted);
  return key === wanted;
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) && (node as Node).range ? (node as Node).range![0] : undefined;
}
