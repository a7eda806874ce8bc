// The built-in scenarios on a real design 3 lab: it survives each single fault with no acknowledged write
// lost. The figures of each run are printed.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { SERVICES } from "../../src/runtime/services/index.js";
import type { ExperimentReport } from "../../src/experiment/report.js";
import { cli, isRoot } from "./helpers.js";
import { sharedLabName, useSharedLab } from "./shared-lab.js";

const LAB = sharedLabName("3-scale_up");

/** Runs a built-in scenario on the lab, prints its figures, and returns the report with the exit code. */
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

/** The failover controller is built by another part of the project; until the lab runs it, writes cannot resume. */
const controllerReady = "failover-controller" in SERVICES;

describe.skipIf(!isRoot)("experiments on design 3", () => {
  useSharedLab("3-scale_up");

  it("survives a crash of the active load balancer: the standby takes over within 2 s", () => {
    const svg = "/tmp/fx-e3-kill-lb.svg";
    rmSync(svg, { force: true });
    const { code, report } = experiment(LAB, "kill-lb", ["--svg", svg]);
    expect(report.steps[0]!.hosts).toEqual(["lb-1"]);
    expect(report.metrics.recovered).toBe(1);
    expect(report.metrics.downtime!).toBeLessThan(2000);
    expect(report.metrics.lostWrites).toBe(0);
    expect(code).toBe(0);
    expect(existsSync(svg) && readFileSync(svg, "utf8")).toMatch(/kill lb-1 \(active-lb\)/);
  });

  for (const scenario of ["kill-web", "kill-app", "slow-web", "partition-primary"]) {
    it(`survives ${scenario} with no acknowledged write lost`, () => {
      const { code, report } = experiment(LAB, scenario);
      expect(report.metrics.lostWrites).toBe(0);
      expect(report.metrics.acknowledgedWrites!).toBeGreaterThan(0);
      if (scenario !== "partition-primary") expect(report.metrics.recovered).toBe(1);
      expect(report.metrics.downAtEnd).toBe(0);
      expect(code).toBe(0);
    });
  }

  // Writes resume only once the failover controller promotes the replica.
  (controllerReady ? it : it.fails)(
    `resumes writes on the promoted replica after the primary crashes${controllerReady ? "" : " (expected to fail: the failover controller is not in this build yet)"}`,
    () => {
      const { code, report } = experiment(LAB, "kill-primary");
      expect(report.metrics.lostWrites).toBe(0);
      expect(report.metrics.readsRecovered).toBe(1);
      expect(report.metrics.writesRecovered).toBe(1);
      expect(code).toBe(0);
    },
  );
});
