// Small helpers that write Graphviz DOT text safely: quoting, HTML-label escaping, attribute lists.

/** Quotes a DOT identifier (node, cluster or attribute value). */
export function q(id: string): string {
  return `"${id.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Escapes text for use inside an HTML-like label. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** An attribute value: HTML-like labels (starting with `<`) stay bare inside `<...>`, others are quoted. */
export type AttrValue = string | number | boolean | { html: string };

/** Writes `[a="1", b=<...>]` from a record, in the record's key order, skipping undefined values. */
export function attrs(values: Record<string, AttrValue | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (typeof value === "object") parts.push(`${key}=<${value.html}>`);
    else parts.push(`${key}=${q(String(value))}`);
  }
  return parts.length ? ` [${parts.join(", ")}]` : "";
}

/** A DOT node id for a host name (hosts may contain dashes, so ids are always quoted). */
export function nodeId(host: string): string {
  return `h_${host}`;
}
