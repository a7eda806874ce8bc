// Turns DOT into SVG (Graphviz compiled to WebAssembly) and SVG into PNG (resvg), offline.
import { Resvg } from "@resvg/resvg-js";
import { instance, type Viz } from "@viz-js/viz";
import { findFonts } from "./fonts.js";
import { FONT } from "./style.js";

let viz: Promise<Viz> | undefined;

/** Lays out DOT and returns SVG text; throws with Graphviz's own message when the DOT is bad. */
export async function renderSvg(dot: string): Promise<string> {
  viz ??= instance();
  let result: ReturnType<Viz["render"]>;
  try {
    result = (await viz).render(dot, { format: "svg", engine: "dot" });
  } catch (err) {
    // A Graphviz abort leaves the WebAssembly instance unusable: start a fresh one next time.
    viz = undefined;
    throw new Error(`Graphviz failed on the diagram: ${(err as Error).message}`);
  }
  if (result.status !== "success") throw new Error(`Graphviz could not lay out the diagram: ${result.errors.map((e) => e.message).join("; ")}`);
  // Graphviz sizes text with DejaVu Sans metrics only when the font is named alone; viewers without it get
  // Verdana (nearly the same widths) or any sans-serif instead of a serif default.
  return result.output.replaceAll(`font-family="${FONT}"`, `font-family="${FONT},Verdana,sans-serif"`);
}

export interface PngOptions {
  /** Scale factor over the SVG's own size (default 2, sharp on high-density screens). */
  zoom?: number;
  /** Font folders to search (default: the system's); for tests. */
  fontDirs?: string[];
}

/** Rasterizes SVG to PNG bytes, with fonts found on the machine (throws MissingFontsError when there are none). */
export function renderPng(svg: string, options: PngOptions = {}): Buffer {
  const fonts = findFonts(options.fontDirs);
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: options.zoom ?? 2 },
    font: {
      loadSystemFonts: false,
      fontFiles: fonts.files,
      defaultFontFamily: fonts.hasPreferred ? FONT : undefined,
      sansSerifFamily: fonts.hasPreferred ? FONT : undefined,
    },
  });
  return resvg.render().asPng();
}
