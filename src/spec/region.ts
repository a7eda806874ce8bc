// Where a path of the design is written in its file, for tools that point at lines (SARIF); defaults fall back to their section.
import { LineCounter, parseDocument } from "yaml";
import { locate } from "./locate.js";

/** Line and column of `path` in a YAML or JSON design text, or of its nearest written ancestor; line 1 when none is. */
export function specRegion(text: string, path: readonly (string | number)[]): { startLine: number; startColumn: number } {
  try {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
    const at = locate(doc, lines, path, true);
    return at ? { startLine: at.line, startColumn: at.column } : { startLine: 1, startColumn: 1 };
  } catch {
    return { startLine: 1, startColumn: 1 };
  }
}
