// The caption under the picture: the design's title and the key to its colours and marks.
import { esc } from "./dot-syntax.js";
import { COLORS } from "./style.js";

function item(color: string, line: string, text: string): string {
  return `<td align="left"><font color="${color}"><b>${line}</b></font> ${esc(text)}</td>`;
}

/** Which marks the picture uses, so the key lists only those. */
export interface LegendUse {
  encrypted: boolean;
  plaintext: boolean;
  control: boolean;
  monitoring: boolean;
  firewall: boolean;
  floating: boolean;
}

/** The graph label: a title line, the design's description, then the key to the marks the picture uses. */
export function legendLabel(title: string, subtitle: string | undefined, use: LegendUse): string {
  const items = [
    use.encrypted ? item(COLORS.encrypted, "━━▶", "encrypted (TLS)") : "",
    use.plaintext ? item(COLORS.plaintext, "━━▶", "plaintext") : "",
    use.control ? item(COLORS.control, "╌╌▶", "DNS / VRRP (control, plaintext)") : "",
    use.monitoring ? item(COLORS.monitoring, "╌╌▶", "Prometheus scrape") : "",
    use.firewall ? item(COLORS.firewall, "▦", "firewall (default-deny)") : "",
    use.floating ? item(COLORS.floating, "◆", "floating IP (solid: holder, dashed: standby)") : item(COLORS.floating, "◆", "entry point"),
  ].filter(Boolean);
  // Three items a row keeps the caption no wider than the picture.
  const rows: string[] = [];
  for (let i = 0; i < items.length; i += 3) rows.push(`<tr>${items.slice(i, i + 3).join("")}</tr>`);
  const cols = Math.min(3, items.length);
  const sub = subtitle ? `<tr><td align="left" colspan="${cols}"><font point-size="9" color="${COLORS.muted}">${esc(subtitle)}</font></td></tr>` : "";
  return (
    `<table border="0" cellborder="0" cellspacing="2" cellpadding="2">` +
    `<tr><td align="left" colspan="${cols}"><font point-size="14"><b>${esc(title)}</b></font></td></tr>${sub}` +
    `${rows.join("")}</table>`
  );
}
