// Renders an Explanation for the terminal: headings, paragraphs and lists wrapped to 80 columns.
import { color } from "../util/color.js";
import type { Block, Explanation, Hop, Section } from "./types.js";
import { wrap } from "./wrap.js";

const WIDTH = 80;

/** Turns an explanation into terminal text (colours only when color() allows them). */
export function renderExplanation(e: Explanation, width = WIDTH): string {
  const title = `How ${e.site} works: the "${e.design}" design explained`;
  const out: string[] = [color("bold", title), "=".repeat(Math.min(title.length, width))];
  for (const section of e.sections) out.push("", ...renderSection(section, width));
  out.push("", ...heading(e.journey.title, width), "", ...wrap(e.journey.intro, width));
  for (const hop of e.journey.hops) out.push("", ...renderHop(hop, width));
  out.push("", ...wrap(e.journey.outro, width));
  return out.join("\n");
}

function heading(text: string, width: number): string[] {
  return [color("cyan", color("bold", text)), color("cyan", "-".repeat(Math.min(text.length, width)))];
}

function renderSection(s: Section, width: number): string[] {
  const out = heading(s.title, width);
  for (const block of s.blocks) out.push(...renderBlock(block, width));
  return out;
}

function renderBlock(b: Block, width: number): string[] {
  if (b.kind === "subheading") return ["", ...wrap(b.text, width).map((l) => color("bold", l))];
  if (b.kind === "paragraph") return ["", ...wrap(b.text, width)];
  return ["", ...b.items.flatMap((item) => wrap(item, width, "  - ", "    "))];
}

function renderHop(h: Hop, width: number): string[] {
  const pad = h.step < 10 ? " " : "";
  const head = `${pad}${h.step}. ${h.from} (${h.fromAddress}) -> ${h.to}${h.sameHost ? ", same host" : ` (${h.toAddress})`}`;
  const transport = h.transport.toUpperCase();
  const proto = h.protocol === transport ? `${transport} port ${h.port}` : `${h.protocol} on ${transport} port ${h.port}`;
  const tag = `${proto}, ${h.encrypted ? "encrypted" : "not encrypted"}`;
  return [color("bold", head), `    ${color(h.encrypted ? "green" : "yellow", tag)}`, ...wrap(h.what, width, "    ")];
}
