// The architecture diagram: model -> DOT -> SVG -> PNG.
export { toDot, type DotOptions } from "./dot.js";
export { renderSvg, renderPng, type PngOptions } from "./render.js";
export { findFonts, MissingFontsError, FONT_PACKAGE } from "./fonts.js";
export { chooseFormat, formatFromPath, DIAGRAM_FORMATS, type DiagramFormat } from "./format.js";
