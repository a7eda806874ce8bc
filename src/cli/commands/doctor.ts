// `stacklab doctor` and `stacklab setup`: check the machine, install what is missing.
import type { Command } from "commander";
import { doctor, missingPackages, setup } from "../../runtime/doctor.js";
import { REHEARSAL_REQUIREMENTS } from "../../runtime/ssh.js";
import { requireRoot } from "../../runtime/preflight.js";
import { color, ExitCode, output } from "../common.js";

export function register(program: Command): void {
  program
    .command("doctor")
    .description("check root, kernel features and the programs labs need, with the fix for each problem")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const checks = await doctor();
      output(checks, opts.json, (cs) => cs.map((c) => `${c.ok ? color("green", "✓") : color("red", "✗")} ${c.name.padEnd(24)} ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ""}`).join("\n"));
      if (checks.some((c) => !c.ok)) throw new ExitCode(1);
    });
  program
    .command("setup")
    .description("install the Debian packages labs need (apt-get), listing them first")
    .action(async () => {
      requireRoot("setup");
      const pkgs = missingPackages(REHEARSAL_REQUIREMENTS);
      if (!pkgs.length) {
        process.stdout.write("everything is installed\n");
        return;
      }
      process.stdout.write(`installing: ${pkgs.join(" ")}\n`);
      await setup(pkgs, (l) => process.stdout.write(`$ ${l}\n`));
      process.stdout.write("done\n");
    });
}
