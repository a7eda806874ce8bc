// Spec problems: every error found in a design, each with its path and, for YAML, its position.

/** One problem in a spec, located by its path (e.g. `servers[0].count`). */
export interface SpecProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** Result of loading a spec: the validated value, or every problem at once. */
export type LoadResult<T> = { ok: true; value: T; file?: string } | { ok: false; problems: SpecProblem[]; file?: string };

/** Formats a path array the way users read it: `servers[0].roles[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/** One line per problem: `stack.yaml:4:3 servers[0].count: must be >= 1`. */
export function formatProblems(problems: readonly SpecProblem[], file?: string): string {
  return problems
    .map((p) => {
      const where = file ? `${file}${p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : ""} ` : p.line !== undefined ? `line ${p.line}:${p.column ?? 1} ` : "";
      return `${where}[${p.path}] ${p.message}`;
    })
    .join("\n");
}

/** Thrown by commands when a spec is invalid; the CLI turns it into exit 2. */
export class SpecInvalidError extends Error {
  constructor(
    readonly problems: SpecProblem[],
    readonly file?: string,
  ) {
    super(`${problems.length} problem${problems.length === 1 ? "" : "s"} in ${file ?? "the spec"}:\n${formatProblems(problems, file)}`);
    this.name = "SpecInvalidError";
  }
}

/** Thrown for bad command-line input (unknown host, bad option value): exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
