// `stacklab audit`: checks a running lab's security against its design (firewalls, reachability, TLS, privileges, secrets).
import type { Command } from "commander";
import { audit } from "../../audit/run.js";
import { dashboardAnswers } from "../../dashboard/answers.js";
import { formatAudit } from "../../audit/format.js";
import { EXIT, ExitCode, output } from "../common.js";

export function register(program: Command): void {
  program
    .command("audit")
    .description("check a running lab's security against its design: firewalls, reachability, TLS, plaintext, privileges, secrets")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--json", "print JSON")
    .option("-v, --verbose", "print the evidence of every check, not only of those that failed")
    .action(async (opts: { name?: string; json?: boolean; verbose?: boolean }) => {
      const report = await audit(opts.name, dashboardAnswers);
      output(report, opts.json, (r) => formatAudit(r, opts.verbose));
      if (!report.passed) throw new ExitCode(EXIT.failed);
    });
}
