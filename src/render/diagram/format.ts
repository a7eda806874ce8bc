// Which output a diagram command asks for: from the file's extension, or --format.
import { UsageError } from "../../spec/errors.js";

export const DIAGRAM_FORMATS = ["svg", "png", "dot"] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

/** The format a file name asks for by its extension (`.gv` counts as DOT), or null when it is none of them. */
export function formatFromPath(path: string): DiagramFormat | null {
  const ext = extension(path)?.toLowerCase();
  if (ext === "gv") return "dot";
  return (DIAGRAM_FORMATS as readonly string[]).includes(ext ?? "") ? (ext as DiagramFormat) : null;
}

function extension(path: string): string | undefined {
  return /\.([^./\\]+)$/.exec(path)?.[1];
}

/**
 * Decides the output format from `-o FILE` and `--format`; throws UsageError (exit 2) when the file's
 * extension is not one we write, disagrees with --format, or PNG would go to the terminal.
 */
export function chooseFormat(output: string | undefined, format: string | undefined): DiagramFormat {
  if (format !== undefined && !(DIAGRAM_FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown diagram format "${format}"; use one of: ${DIAGRAM_FORMATS.join(", ")}`);
  const asked = format as DiagramFormat | undefined;
  if (output === undefined) {
    if (asked === "png") throw new UsageError("a PNG is binary: write it to a file with -o FILE.png");
    return asked ?? "dot";
  }
  const byName = formatFromPath(output);
  const ext = extension(output);
  if (byName === null && (ext !== undefined || asked === undefined)) throw new UsageError(`cannot write a diagram to "${output}": name the file .svg, .png or .dot (.gv), e.g. -o stack.svg`);
  if (byName !== null && asked !== undefined && byName !== asked) throw new UsageError(`"${output}" names a .${ext} file but --format is ${asked}; drop --format or rename the file`);
  return byName ?? asked!;
}
