// Shared by the unit tests of CLI commands: run commands in process, as `stacklab ARGS...` would, and read what they print.
import { Command, CommanderError } from "commander";
import { vi } from "vitest";
import { ExitCode } from "../../src/cli/common.js";
import { SpecInvalidError, UsageError } from "../../src/spec/errors.js";

/**
 * Registers the given commands on a fresh program and runs ARGS with stdout captured (stderr silenced): the exit
 * code the CLI would give (0, the command's ExitCode, or 2 for bad input, with the message after the output).
 */
export async function runCli(registers: ((program: Command) => void)[], ...args: string[]): Promise<{ code: number; out: string }> {
  const program = new Command("stacklab").exitOverride();
  for (const register of registers) register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await program.parseAsync(args, { from: "user" });
    return { code: 0, out };
  } catch (err) {
    if (err instanceof ExitCode) return { code: err.code, out };
    if (err instanceof UsageError || err instanceof SpecInvalidError || err instanceof CommanderError) return { code: 2, out: `${out}${err.message}` };
    throw err;
  } finally {
    vi.restoreAllMocks();
  }
}
