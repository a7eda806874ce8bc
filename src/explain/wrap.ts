// Word wrapping for terminal text: fixed width, hanging indents, long words kept whole.

/** Wraps text to `width` columns; the first line starts with `first`, the others with `rest`. */
export function wrap(text: string, width: number, first = "", rest = first): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? "" : " ") + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}
