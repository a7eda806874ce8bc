// Shared pieces of the command-line: loading a design, printing a result, exit codes (colours live in util/color.ts).
import { Command, Option } from "commander";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { findBlueprint, loadBlueprint } from "../blueprints/index.js";
import type { Locator, SarifLog } from "../analysis/sarif.js";
import { specRegion } from "../spec/region.js";
import { loadStackFile } from "../spec/load.js";
import { SpecInvalidError, UsageError } from "../spec/errors.js";
import type { Stack } from "../spec/schema.js";
import type { Progress } from "../runtime/up.js";
import { color } from "../util/color.js";

export { color, useColor } from "../util/color.js";

/** Prints a bring-up's steps on stderr as they finish (`up`, `rehearse`), with their times and warnings. */
export function stepPrinter(): Progress {
  const out = (s: string) => process.stderr.write(`${s}\n`);
  return {
    step: () => undefined,
    done: (msg, ms) => out(`${color("green", "✓")} ${msg} ${color("gray", `(${(ms / 1000).toFixed(2)} s)`)}`),
    warn: (msg) => out(`${color("yellow", "!")} ${msg}`),
  };
}

/** Exit codes: 0 success, 1 a check failed, 2 bad input. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown by a command to end with a given exit code after printing its output. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * Runs `work` with a signal that the first Ctrl-C or SIGTERM aborts, after saying on stderr what stopping does
 * (`doing`, e.g. "stopping the load and healing every fault the experiment injected"). The work stops its load and
 * heals what it injected; the command then exits 130. One handler for the whole run: a second signal changes nothing.
 */
export async function interruptible<T>(doing: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) return;
    process.stderr.write(`\ninterrupted: ${doing}...\n`);
    abort.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work(abort.signal);
  } catch (err) {
    if (abort.signal.aborted) throw new ExitCode(130);
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Options every command that takes a design accepts. */
export interface DesignOptions {
  blueprint?: string;
}

/** Adds `[FILE]` and `--blueprint NAME` to a command. */
export function designArgs(cmd: Command): Command {
  return cmd
    .argument("[file]", "design file: stack.yaml, stack.json or stacklab.config.ts (default: ./stack.yaml or ./stacklab.config.ts)")
    .addOption(new Option("-b, --blueprint <name>", "use a built-in design (see `stacklab blueprints`)"));
}

/** Resolves the design a command works on: a file, a blueprint, or the default file in the current directory. */
export async function resolveDesign(file: string | undefined, opts: DesignOptions): Promise<{ stack: Stack; source: string }> {
  if (file && opts.blueprint) throw new UsageError("give a design file or --blueprint, not both");
  if (opts.blueprint) return { stack: loadBlueprint(opts.blueprint), source: `blueprint ${opts.blueprint}` };
  const path = file ?? ["stack.yaml", "stack.yml", "stacklab.config.ts"].find((f) => existsSync(f));
  if (!path) throw new UsageError("no design given: pass a file (stack.yaml), or --blueprint NAME, or run `stacklab init --blueprint 3-scale_up`");
  const result = await loadStackFile(path);
  if (!result.ok) throw new SpecInvalidError(result.problems, path);
  return { stack: result.value, source: path };
}

/** Prints a typed result as JSON or as text made from the same value. */
export function output<T>(value: T, json: boolean | undefined, toText: (v: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${toText(value)}\n`);
}

/**
 * The design file behind a source (`stack.yaml`, or a blueprint's file) as SARIF wants it: a path relative to the
 * current folder, and a locator of spec paths in its text (line 1 for a design written in TypeScript).
 */
export function sarifTarget(source: string): { uri: string; locator: Locator } {
  const file = source.startsWith("blueprint ") ? findBlueprint(source.slice("blueprint ".length)).file : source;
  const text = existsSync(file) && !/\.[cm]?[jt]s$/.test(file) ? readFileSync(file, "utf8") : "";
  const uri = relative(process.cwd(), resolve(file)).split(sep).join("/");
  return { uri, locator: (path) => (text ? specRegion(text, path) : { startLine: 1, startColumn: 1 }) };
}

/** Writes a SARIF log to a file (mode 644) and says so on stderr. */
export function writeSarif(file: string, log: SarifLog): void {
  writeFileSync(file, `${JSON.stringify(log, null, 2)}\n`);
  process.stderr.write(`wrote ${file}: SARIF 2.1.0, ${log.runs[0]?.results.length ?? 0} result(s)\n`);
}
