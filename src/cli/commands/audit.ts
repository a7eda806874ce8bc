// `stacklab audit`: checks a running lab's security against its design (firewalls, reachability, TLS, privileges, secrets).
import type { Command } from "commander";
import { audit } from "../../audit/run.js";
import { dashboardAnswers } from "../../dashboard/answers.js";
import { formatAudit } from "../../audit/format.js";
import { auditSarif } from "../../audit/sarif.js";
import { EXIT, ExitCode, output, sarifTarget, writeSarif } from "../common.js";

export function register(program: Command): void {
  program
    .command("audit")
    .description("check a running lab's security against its design: firewalls, reachability, TLS, plaintext, privileges, secrets")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--json", "print JSON")
    .option("--sarif <file>", "also write the failures and warnings as SARIF 2.1.0 (rule ids, severity, location in the spec) for code-scanning tools")
    .option("-v, --verbose", "print the evidence of every check, not only of those that failed")
    .action(async (opts: { name?: string; json?: boolean; sarif?: string; verbose?: boolean }) => {
      const report = await audit(opts.name, dashboardAnswers);
      if (opts.sarif) {
        const target = sarifTarget(report.source);
        writeSarif(opts.sarif, auditSarif(report, target.uri, target.locator));
      }
      output(report, opts.json, (r) => formatAudit(r, opts.verbose));
      if (!report.passed) throw new ExitCode(EXIT.failed);
    });
}
