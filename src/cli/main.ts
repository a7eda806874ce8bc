// Entry point of the `stacklab` command: builds the program, runs it, maps errors to exit codes.
import { Command, CommanderError } from "commander";
import { SpecInvalidError, UsageError, formatProblems } from "../spec/errors.js";
import { EXIT, ExitCode, color } from "./common.js";
import { registerFor } from "./commands/index.js";
import { mask } from "../runtime/secrets.js";
import { runRootless } from "./rootless.js";

let masking = false;

/**
 * Every text the CLI prints, on stdout or stderr (tables, JSON, progress lines, errors from apply, deploy, db),
 * goes through the one masking function: no printer can forget it.
 */
export function installMasking(): void {
  if (masking) return;
  masking = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === "string" ? mask(chunk) : chunk, ...rest)) as typeof stream.write;
  }
}

/** Builds the commander program with the verbs a command line needs registered (every verb for help). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("stacklab")
    .description("Declare a web infrastructure, find its weak points, run it for real, break it and measure what users see.")
    .version("0.1.0")
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  await registerFor(program, argv);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI with arguments; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  installMasking();
  try {
    // A normal user's lab command runs inside the user's own namespaces (rootless mode; see docs/runtime.md).
    const rootless = await runRootless(argv);
    if (rootless !== undefined) return rootless;
    await (await buildProgram(argv)).parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (err) {
    return handleError(err);
  }
}

function handleError(err: unknown): number {
  if (err instanceof ExitCode) return err.code;
  if (err instanceof CommanderError) {
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT.ok;
    return EXIT.usage;
  }
  if (err instanceof SpecInvalidError) {
    const n = err.problems.length;
    process.stderr.write(`${color("red", "error:")} ${n} problem${n === 1 ? "" : "s"} in ${err.file ?? "the design"}\n${formatProblems(err.problems, err.file)}\n`);
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`${color("red", "error:")} ${err.message}\n`);
    return EXIT.usage;
  }
  const e = err as Error;
  process.stderr.write(`${color("red", "error:")} ${process.env.STACKLAB_DEBUG ? (e?.stack ?? String(err)) : (e?.message ?? String(err))}\n`);
  return EXIT.failed;
}
