// Spec problems: every error found in a design, each with its path and, for YAML, its position.

/** One problem in a spec, located by its path (e.g. `servers[0].count`). */
export interface SpecProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** A problem before formatting: its path as keys and indexes, so it can be located in the YAML. */
export interface RawProblem {
  at: (string | number)[];
  message: string;
  /** Point at the key rather than its value (an unknown key, a name that clashes). */
  onKey?: boolean;
  /** For an unknown key that looks like a typo: the path of the key it likely meant (its "is required" is then left out). */
  covers?: (string | number)[];
}

/** Result of loading a spec: the validated value, or every problem at once. */
export type LoadResult<T> = { ok: true; value: T; file?: string } | { ok: false; problems: SpecProblem[]; file?: string };

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** Formats a path array the way users read it: `servers[0].roles[1]`; odd keys are quoted: `dns["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (typeof part === "string" && PLAIN_KEY.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out === "" ? "(root)" : out;
}

/** One line per problem: `stack.yaml:4:3 [servers[0].count] must be at least 1`. */
export function formatProblems(problems: readonly SpecProblem[], file?: string): string {
  return problems
    .map((p) => {
      const pos = p.line !== undefined ? `${p.line}:${p.column ?? 1}` : undefined;
      const where = file ? `${file}${pos ? `:${pos}` : ""} ` : pos ? `line ${pos} ` : "";
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
