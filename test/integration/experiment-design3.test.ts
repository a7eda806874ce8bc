// The built-in scenarios on a real design 3 lab: it survives each single fault with no acknowledged write
// lost. The figures of each run are printed.
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { experiment } from "./experiment-support.js";
import { isRoot } from "./helpers.js";
import { sharedLabName, useSharedLab } from "./shared-lab.js";

const LAB = sharedLabName("3-scale_up");

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

  // Writes resume once a failover controller promotes the replica.
  it("resumes writes on the promoted replica after the primary crashes", () => {
    const { code, report } = experiment(LAB, "kill-primary");
    expect(report.metrics.lostWrites).toBe(0);
    expect(report.metrics.readsRecovered).toBe(1);
    expect(report.metrics.writesRecovered).toBe(1);
    expect(code).toBe(0);
  });
});
