// Shared by the experiment integration files: run a built-in scenario on a lab and print its figures.
import type { ExperimentReport } from "../../src/experiment/report.js";
import { cli } from "./helpers.js";

export /** Runs a built-in scenario on the lab, prints its figures, and returns the report with the exit code. */
function experiment(lab: string, scenario: string, extra: string[] = []): { code: number; report: ExperimentReport } {
  const r = cli(["experiment", scenario, "--name", lab, "--json", ...extra], 90_000);
  if (!r.stdout.trim().startsWith("{")) throw new Error(`experiment ${scenario} printed no report (exit ${r.code}):\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as ExperimentReport;
  const m = report.metrics;
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? "-" : `${Math.round(v)} ms`);
  console.log(
    `${scenario} on ${report.design.name}: ${report.passed ? "passed" : "FAILED"}; downtime ${ms(m.downtime)} (writes ${ms(m.writeDowntime)}), ` +
      `${m.failedRequests}/${m.requests} failed, p50/p99 during ${ms(m.p50During)}/${ms(m.p99During)}, ` +
      `writes ${m.acknowledgedWrites} acknowledged, ${m.lostWrites} lost, ${m.indeterminateWrites} indeterminate; ` +
      `recovered ${m.recovered} (writes ${m.writesRecovered})` +
      `${report.expectations
        .filter((e) => !e.passed)
        .map((e) => `\n  unmet: ${e.text} (measured ${e.actual})`)
        .join("")}`,
  );
  return { code: r.code, report };
}
