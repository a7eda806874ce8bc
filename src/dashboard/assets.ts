// The page's files: assets/dashboard/ of this package, and uPlot's script and stylesheet from node_modules.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of assets/dashboard in this package (same depth from src/ and dist/). */
export function assetsDir(): string {
  return fileURLToPath(new URL("../../assets/dashboard/", import.meta.url));
}

/** Folder holding uPlot's built files. */
export function uplotDir(): string {
  return dirname(createRequire(import.meta.url).resolve("uplot"));
}

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };

/** A file the server may send: its bytes and content type. */
export interface Asset {
  body: Buffer;
  type: string;
}

/** Every file the page may ask for, by URL path, read once at start (nothing else on disk is reachable). */
export function loadAssets(): Map<string, Asset> {
  const out = new Map<string, Asset>();
  const dir = assetsDir();
  for (const f of readdirSync(dir)) {
    const type = TYPES[extname(f)];
    if (type && f !== "index.html") out.set(`/assets/${f}`, { body: readFileSync(join(dir, f)), type });
  }
  const vendor = uplotDir();
  for (const [f, name] of [
    ["uPlot.iife.min.js", "uplot.js"],
    ["uPlot.min.css", "uplot.css"],
  ] as const) {
    const path = join(vendor, f);
    if (existsSync(path)) out.set(`/vendor/${name}`, { body: readFileSync(path), type: TYPES[extname(f)]! });
  }
  return out;
}

/** The page itself; it never holds the token (that stays in the HttpOnly cookie), only whether the buttons work. */
export function pageHtml(readOnly: boolean): string {
  return readFileSync(join(assetsDir(), "index.html"), "utf8").replace("__STACKLAB_READ_ONLY__", String(readOnly));
}
