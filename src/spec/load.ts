// Loads a design from stack.yaml, JSON or stacklab.config.ts into a validated Stack; never throws.
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { StackSpec, type Stack } from "./schema.js";
import { checkSemantics } from "./semantics.js";
import { formatPath, type LoadResult, type SpecProblem } from "./errors.js";
import { suggestKey } from "./suggest.js";

/** Validates an already-parsed value (from YAML, JSON or TS) and checks the design. */
export function validateStack(input: unknown): LoadResult<Stack> {
  try {
    const parsed = StackSpec.safeParse(input);
    if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap(issueToProblems) };
    const problems = checkSemantics(parsed.data);
    return problems.length ? { ok: false, problems } : { ok: true, value: parsed.data };
  } catch (err) {
    return { ok: false, problems: [{ path: "(root)", message: `could not validate: ${(err as Error).message}` }] };
  }
}

/** Parses YAML text, validates it and locates every problem by line and column. */
export function loadStackYaml(text: string, file?: string): LoadResult<Stack> {
  try {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      return {
        ok: false,
        file,
        problems: doc.errors.map((e) => {
          const pos = lines.linePos(e.pos[0]);
          return { path: "(yaml)", message: e.message.split("\n")[0]!, line: pos.line, column: pos.col };
        }),
      };
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined)
      return { ok: false, file, problems: [{ path: "(root)", message: "the file is empty; a design needs at least `servers:`" }] };
    const result = validateStack(value);
    if (result.ok) return { ...result, file };
    return { ok: false, file, problems: result.problems.map((p) => locate(p, doc, lines)) };
  } catch (err) {
    return { ok: false, file, problems: [{ path: "(yaml)", message: `could not read YAML: ${(err as Error).message}` }] };
  }
}

/** Loads a design file: .yaml/.yml/.json, or .ts/.js exporting `defineStack({...})` as default. */
export async function loadStackFile(file: string): Promise<LoadResult<Stack>> {
  const ext = extname(file).toLowerCase();
  let text: string;
  try {
    if (ext === ".ts" || ext === ".mts" || ext === ".js" || ext === ".mjs") return { ...(await loadTs(file)), file };
    text = await readFile(file, "utf8");
  } catch (err) {
    return { ok: false, file, problems: [{ path: "(file)", message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  if (ext === ".json") {
    try {
      return { ...validateStack(JSON.parse(text)), file };
    } catch (err) {
      return { ok: false, file, problems: [{ path: "(json)", message: (err as Error).message }] };
    }
  }
  return loadStackYaml(text, file);
}

async function loadTs(file: string): Promise<LoadResult<Stack>> {
  try {
    const { createJiti } = await import("jiti");
    const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
    const mod = (await jiti.import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
    if (mod.default === undefined) return { ok: false, problems: [{ path: "(module)", message: "the file must `export default defineStack({...})`" }] };
    return validateStack(mod.default);
  } catch (err) {
    return { ok: false, problems: [{ path: "(module)", message: `could not load: ${(err as Error).message.split("\n")[0]}` }] };
  }
}

function issueToProblems(issue: z.core.$ZodIssue): SpecProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const hint = suggestKey(issue.path, key);
      return { path: formatPath([...issue.path, key]), message: `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : ""}` };
    });
  }
  if (issue.code === "invalid_union" && issue.path.length === 1 && issue.path[0] === "app")
    return [{ path: "app.type", message: 'must be "demo" (the built-in guestbook) or "custom" (your own app)' }];
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Adds the line and column of a problem's path in the YAML document, walking up to the nearest node that exists. */
function locate(problem: SpecProblem, doc: Document, lines: LineCounter): SpecProblem {
  const parts = parsePath(problem.path);
  for (let n = parts.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(parts.slice(0, n), true);
    if (isNode(node) && node.range) {
      // For an unknown key, point at the key itself rather than its value.
      const keyNode = n === parts.length && n > 0 ? findKey(doc, parts) : undefined;
      const pos = lines.linePos((keyNode ?? node).range![0]);
      return { ...problem, line: pos.line, column: pos.col };
    }
  }
  return problem;
}

function findKey(doc: Document, parts: (string | number)[]): { range: [number, number, number] } | undefined {
  const parent = parts.length === 1 ? doc.contents : doc.getIn(parts.slice(0, -1), true);
  const last = parts[parts.length - 1];
  const items = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null)?.items;
  const pair = items?.find((p) => p.key?.value === last);
  return pair?.key?.range ? { range: pair.key.range } : undefined;
}

function parsePath(path: string): (string | number)[] {
  if (path.startsWith("(")) return [];
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}
