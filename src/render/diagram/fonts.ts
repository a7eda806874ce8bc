// Finds font files for the PNG renderer: resvg draws no text at all without one.
import { readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Folders searched for fonts when none are given. */
export const SYSTEM_FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", join(homedir(), ".local/share/fonts"), join(homedir(), ".fonts")];

/** The Debian package whose font the diagram is drawn with. */
export const FONT_PACKAGE = "fonts-dejavu-core";

/** Raised when a PNG is asked for on a machine without any font. */
export class MissingFontsError extends Error {
  override name = "MissingFontsError";
  constructor(dirs: string[]) {
    super(`no fonts found in ${dirs.join(", ")}: a PNG would have no text. Install one: apt-get install -y ${FONT_PACKAGE} (or write SVG instead: -o FILE.svg)`);
  }
}

function walk(dir: string, out: string[], depth = 0): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (/\.(ttf|otf|ttc)$/i.test(name)) out.push(path);
    else if (depth < 4 && statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path, out, depth + 1);
  }
}

/** Lists font files under the given folders; `hasPreferred` tells whether DejaVu Sans is among them. */
export function findFonts(dirs: string[] = SYSTEM_FONT_DIRS): { files: string[]; hasPreferred: boolean } {
  const files: string[] = [];
  for (const dir of dirs) walk(dir, files);
  if (!files.length) throw new MissingFontsError(dirs);
  return { files, hasPreferred: files.some((f) => /DejaVuSans\.ttf$/i.test(f)) };
}
