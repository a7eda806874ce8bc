import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { analyze } from "../../src/analysis/index.js";
import { blueprintText } from "../../src/blueprints/index.js";
import { register as registerDiff } from "../../src/cli/commands/diff.js";
import { register as registerPlan } from "../../src/cli/commands/plan.js";
import { blueprintModel } from "./analysis-helpers.js";
import { runCli } from "./cli-support.js";

/** Runs `stacklab <args>` with only plan and diff registered; returns the exit code and what was printed. */
const run = (...args: string[]) => runCli([registerPlan, registerDiff], ...args);

afterEach(() => vi.restoreAllMocks());

describe("stacklab plan", () => {
  it("--json prints the PlanReport value", async () => {
    const { code, out } = await run("plan", "--blueprint", "2", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(analyze(blueprintModel("2")));
  });

  it("text output groups findings by severity, worst first, and ends with the availability estimate", async () => {
    const { out } = await run("plan", "-b", "1");
    const critical = out.indexOf("CRITICAL (1)");
    const high = out.indexOf("HIGH (");
    const medium = out.indexOf("MEDIUM (");
    expect(critical).toBeGreaterThan(0);
    expect(high).toBeGreaterThan(critical);
    expect(medium).toBeGreaterThan(high);
    expect(out).toContain("spof.host.lb-1");
    expect(out).toMatch(/reads and writes\s+98\.4951%\s+about 5\.5 days down a year/);
  });

  it("--fail-on exits 1 when a finding of that severity or worse exists, 0 otherwise", async () => {
    expect((await run("plan", "-b", "3", "--fail-on", "medium")).code).toBe(0);
    expect((await run("plan", "-b", "2", "--fail-on", "medium")).code).toBe(1);
    expect((await run("plan", "-b", "1", "--fail-on", "critical")).code).toBe(1);
    const bad = await run("plan", "-b", "1", "--fail-on", "severe");
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("unknown severity");
  });

  it("--availability overrides the assumptions shown and used", async () => {
    const { out } = await run("plan", "-b", "0", "--json", "--availability", "server=0.999");
    const report = JSON.parse(out);
    expect(report.availability.assumptions.server).toBe(0.999);
    expect(report.availability.site.availability).toBeCloseTo(0.999 * 0.9999, 12);
  });
});

describe("stacklab diff", () => {
  it("accepts blueprint names as positional arguments", async () => {
    const { code, out } = await run("diff", "2", "3-scale_up", "--json");
    expect(code).toBe(0);
    const diff = JSON.parse(out);
    expect(diff.a).toBe("blueprint 2-secured_and_monitored_web_infrastructure");
    expect(diff.findings.resolved.map((f: { id: string }) => f.id)).toContain("spof.host.lb-1");
  });

  it("accepts a file and prefers it over a blueprint of the same name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stacklab-diff-"));
    const file = join(dir, "stack.yaml");
    writeFileSync(
      file,
      blueprintText("3").replace("count: 2\n  algorithm", "count: 1\n  algorithm").replace("ha: active-passive", "ha: single").replace("etcd: [lb-1, lb-2, mon-1]", "etcd: [lb-1, web-1, mon-1]"),
    );
    const { out } = await run("diff", "3", file);
    expect(out).toContain(`diff blueprint 3-scale_up -> ${file}`);
    expect(out).toContain("- lb-2 (lb)");
    expect(out).toMatch(/✗ \[critical\] spof\.host\.lb-1/);
  });

  it("rejects a name that is neither a file nor a blueprint, listing the blueprints", async () => {
    const { code, out } = await run("diff", "2", "no-such-design");
    expect(code).toBe(2);
    expect(out).toContain('"no-such-design" is neither a file nor a blueprint');
    expect(out).toContain("3-scale_up");
  });
});
