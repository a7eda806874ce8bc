// Finds and loads scenarios: the built-in ones (scenarios/*.yaml at the package root) or a file, validated
// with every problem reported at once, each with its line and column.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { REPO_DIR } from "../runtime/repo.js";
import { formatPath, SpecInvalidError, UsageError, type SpecProblem } from "../spec/errors.js";
import { locate } from "../spec/locate.js";
import { ScenarioSchema, toScenario, type Scenario } from "./scenario.js";

/** Folder of the built-in scenarios (shipped with the package). */
export const SCENARIO_DIR = join(REPO_DIR, "scenarios");

/** Names of the built-in scenarios, in order. */
export function listScenarios(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""))
    .sort();
}

type Issue = z.core.$ZodIssue;

/** Problems from zod's issues; a union's failure is explained by the branch that got furthest. */
function problems(issues: readonly Issue[], base: PropertyKey[] = []): { at: (string | number)[]; message: string; onKey?: boolean }[] {
  return issues.flatMap((issue) => {
    const at = [...base, ...issue.path].map((p) => (typeof p === "number" ? p : String(p)));
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ at: [...at, k], onKey: true, message: `unknown key "${k}"` }));
    if (issue.code === "invalid_union" && issue.errors.length) {
      const branches = issue.errors.filter((b) => b.length && !b.every((i) => i.code === "invalid_type" && i.path.length === 0));
      if (branches.length) return problems(branches.sort((a, b) => a.length - b.length)[0]!, at);
      return [{ at, message: "has the wrong type; see docs/experiments.md for the forms this key takes" }];
    }
    return [{ at, message: issue.message }];
  });
}

/** Parses and validates scenario YAML text. */
export function parseScenario(text: string, name: string, source: string, file?: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new SpecInvalidError(
      doc.errors.map((e) => ({ path: "(yaml)", message: e.message.split("\n")[0]!, ...(e.linePos?.[0] ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}) })),
      file ?? source,
    );
  }
  const parsed = ScenarioSchema.safeParse(doc.toJS());
  if (parsed.success) return toScenario(parsed.data, name, source);
  const found: SpecProblem[] = problems(parsed.error.issues).map((p) => ({ path: formatPath(p.at), message: p.message, ...(locate(doc, lines, p.at, p.onKey) ?? {}) }));
  found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  throw new SpecInvalidError(found, file ?? source);
}

/** Loads a built-in scenario by name, or a scenario file by path. */
export function loadScenario(nameOrFile: string): Scenario {
  const builtIn = join(SCENARIO_DIR, `${nameOrFile}.yaml`);
  if (/^[a-z0-9-]+$/.test(nameOrFile) && existsSync(builtIn)) return parseScenario(readFileSync(builtIn, "utf8"), nameOrFile, `built-in ${nameOrFile}`, builtIn);
  if (existsSync(nameOrFile)) return parseScenario(readFileSync(nameOrFile, "utf8"), basename(nameOrFile).replace(/\.(ya?ml)$/, ""), nameOrFile, nameOrFile);
  throw new UsageError(`no scenario "${nameOrFile}": not a file, and not a built-in scenario (${listScenarios().join(", ")})`);
}
