// Loads a design from stack.yaml, JSON or stacklab.config.ts into a validated Stack; never throws.
import { statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { Stack } from "./schema.js";
import { formatPath, type LoadResult, type SpecProblem } from "./errors.js";
import { internalError, MAX_PROBLEMS, validateRaw } from "./validate.js";
import { aliasProblem, complexKeys, duplicateKeys, located, yamlProblem } from "./yaml-problems.js";
import { importConfig, MODULE_EXTENSIONS } from "./config-file.js";

/** Validates an already-parsed value (from YAML, JSON or TS) and checks the design. */
export function validateStack(input: unknown): LoadResult<Stack> {
  const result = validateRaw(input);
  return result.ok ? result : { ok: false, problems: result.problems.map((p) => ({ path: formatPath(p.at), message: p.message })) };
}

/** A design file larger than this is refused before it is parsed (the largest seed is a few kB). */
export const MAX_SPEC_BYTES = 1024 * 1024;

function tooLarge(bytes: number): SpecProblem {
  return { path: "(file)", message: `the design is ${bytes} bytes; at most ${MAX_SPEC_BYTES} (1 MiB) is read, a design needs a few kB`, line: 1, column: 1 };
}

/** Parses YAML text, validates it and locates every problem by line and column. */
export function loadStackYaml(text: string, file?: string): LoadResult<Stack> {
  const where = file !== undefined ? { file } : {};
  if (text.length > MAX_SPEC_BYTES || Buffer.byteLength(text) > MAX_SPEC_BYTES) return { ok: false, ...where, problems: [tooLarge(Buffer.byteLength(text))] };
  try {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true });
    if (doc.errors.length) return { ok: false, ...where, problems: doc.errors.map((e) => yamlProblem(e, text, lines)) };
    const duplicates = duplicateKeys(doc, lines);
    if (duplicates.length) return { ok: false, ...where, problems: duplicates.slice(0, MAX_PROBLEMS) };
    const keys = complexKeys(doc, lines);
    if (keys.length) return { ok: false, ...where, problems: keys };
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      return { ok: false, ...where, problems: [aliasProblem(err, doc, lines)] };
    }
    if (value === null || value === undefined) {
      return { ok: false, ...where, problems: [{ path: "(root)", message: "the file is empty; a design needs at least `servers: [{roles: [web, app, db]}]`", line: 1, column: 1 }] };
    }
    const result = validateRaw(value);
    if (result.ok) return { ...result, ...where };
    // the note that the list was cut stays last
    const cut = result.problems.length > MAX_PROBLEMS ? result.problems.slice(MAX_PROBLEMS).map((p) => ({ path: formatPath(p.at), message: p.message })) : [];
    const problems = result.problems.slice(0, MAX_PROBLEMS).map((p) => located(p, doc, lines));
    return { ok: false, ...where, problems: [...problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)), ...cut] };
  } catch (err) {
    return { ok: false, ...where, problems: [internalError(err)].map((p) => ({ path: formatPath(p.at), message: p.message })) };
  }
}

/** Loads a design file: .yaml/.yml/.json, or .ts/.js exporting `defineStack({...})` as default. */
export async function loadStackFile(file: string): Promise<LoadResult<Stack>> {
  const ext = extname(file).toLowerCase();
  if (MODULE_EXTENSIONS.includes(ext)) {
    const mod = await importConfig(file);
    return mod.ok ? withAppDir({ ...validateStack(mod.value), file }, file) : { ...mod, file };
  }
  let text: string;
  try {
    const size = (await stat(file)).size;
    if (size > MAX_SPEC_BYTES) return { ok: false, file, problems: [tooLarge(size)] };
    text = await readFile(file, "utf8");
  } catch (err) {
    return { ok: false, file, problems: [{ path: "(file)", message: `cannot read ${file}: ${readError(err)}` }] };
  }
  return withAppDir(ext === ".json" ? loadStackJson(text, file) : loadStackYaml(text, file), file);
}

/** A custom app's directory, resolved against the spec file's folder, must be an existing directory. */
function withAppDir(result: LoadResult<Stack>, file: string): LoadResult<Stack> {
  if (!result.ok || result.value.app.type !== "custom") return result;
  const dir = resolve(dirname(file), result.value.app.dir ?? ".");
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  return isDir ? result : { ok: false, file, problems: [{ path: "app.dir", message: `${dir} is not an existing directory (app.dir is resolved against the spec file's folder)` }] };
}

/** JSON is parsed strictly, then located through the YAML parser (JSON is YAML) for line and column. */
function loadStackJson(text: string, file: string): LoadResult<Stack> {
  try {
    JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const pos = at ? offsetPosition(text, Number(at[1])) : {};
    return { ok: false, file, problems: [{ path: "(json)", message: message.replace(/ in JSON at position \d+.*$/, ""), ...pos }] };
  }
  return loadStackYaml(text, file);
}

function offsetPosition(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return code ?? (err as Error).message;
}
