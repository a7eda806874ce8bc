// The built-in scenarios on real design 0 and design 1 labs: the single points of failure show, bad input
// changes nothing, and Ctrl-C heals what the experiment injected.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { BIN, cli, isRoot, labPath } from "./helpers.js";
import { useSharedLab } from "./shared-lab.js";
import { experiment } from "./experiment-support.js";

const faultsOf = (lab: string) => JSON.parse(cli(["fault", "list", "--name", lab, "--json"]).stdout) as unknown[];
const allUp = (lab: string) => (JSON.parse(cli(["status", "--name", lab, "--json"]).stdout) as { hosts: { up: boolean }[] }).hosts.every((h) => h.up);

describe.skipIf(!isRoot)("experiments on design 0", () => {
  const LAB = useSharedLab("0-simple_web_stack");

  it("stays down while its only server is dead, and loses no acknowledged write", () => {
    const { code, report } = experiment(LAB, "kill-server");
    expect(report.steps[0]!.hosts).toEqual(["server-1"]);
    expect(report.metrics.recovered).toBe(0);
    expect(report.metrics.downtime!).toBeGreaterThanOrEqual(5000);
    expect(report.metrics.lostWrites).toBe(0);
    expect(code).toBe(0);
    expect(allUp(LAB)).toBe(true);
  });

  it("refuses a scenario that does not apply, and a broken scenario file, with exit 2 and the lab unchanged", () => {
    const state = readFileSync(labPath(LAB, "state.json"), "utf8");
    const na = cli(["experiment", "kill-lb", "--name", LAB]);
    expect(na.code).toBe(2);
    expect(na.stderr).toMatch(/no load balancer/);
    const file = "/tmp/fx-bad-scenario.yaml";
    writeFileSync(file, "description: broken\nsteps:\n  - at: 2s\n    kill: lb-7\n  - at: 1s\n    heal: true\n");
    const bad = cli(["experiment", file, "--name", LAB]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/steps must be in time order/);
    writeFileSync(file, "description: unknown host\nsteps:\n  - at: 2s\n    kill: lb-7\n");
    const unknown = cli(["experiment", file, "--name", LAB]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"lb-7" is neither a host/);
    expect(readFileSync(labPath(LAB, "state.json"), "utf8")).toBe(state);
  });
});

describe.skipIf(!isRoot)("experiments on design 1", () => {
  const LAB = useSharedLab("1-distributed_web_infrastructure");

  it("goes down with its single load balancer", () => {
    const { code, report } = experiment(LAB, "kill-lb");
    expect(report.metrics.recovered).toBe(0);
    expect(report.metrics.downtime!).toBeGreaterThanOrEqual(5000);
    expect(report.metrics.lostWrites).toBe(0);
    expect(code).toBe(0);
  });

  it("keeps failing writes after the primary crashes, until a person acts", () => {
    const { code, report } = experiment(LAB, "kill-primary");
    expect(report.metrics.writesRecovered).toBe(0);
    expect(report.metrics.lostWrites).toBe(0);
    expect(code).toBe(0);
  });

  it("heals every fault it injected when interrupted", async () => {
    const child = spawn(process.execPath, [BIN, "experiment", "kill-lb", "--name", LAB], { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    const exited = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    let injected = false;
    for (let i = 0; i < 100 && !injected; i++) {
      await new Promise((r) => setTimeout(r, 100));
      injected = faultsOf(LAB).length > 0;
    }
    expect(injected).toBe(true);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(faultsOf(LAB)).toEqual([]);
    expect(allUp(LAB)).toBe(true);
  });
});
