import { describe, expect, it } from "vitest";
import { GROUPS, isPartial, parseArgs, resultsName } from "../../src/bench/args.js";
import { fixedHosts, scaledSpec, specYaml } from "../../src/bench/generate.js";
import { maxAttempts } from "../../src/bench/lifecycle.js";
import { failoverCases } from "../../src/bench/scenarios.js";
import { servingTargets } from "../../src/bench/serving.js";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { loadScenario, parseScenario } from "../../src/experiment/scenario-load.js";
import { buildModel } from "../../src/model/build.js";
import { loadStackYaml } from "../../src/spec/load.js";
import { UsageError } from "../../src/spec/errors.js";

describe("generated labs", () => {
  const base = loadBlueprint("3");
  it.each([10, 25, 50])("a spec for %i hosts gives a lab of exactly that many hosts, with an LB pair and scaled web and app tiers", (n) => {
    const yaml = specYaml(scaledSpec(base, n));
    const loaded = loadStackYaml(yaml, `gen${n}.yaml`);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const model = buildModel(loaded.value);
    expect(model.hosts).toHaveLength(n);
    expect(model.loadBalancer?.hosts).toEqual(["lb-1", "lb-2"]);
    const count = (role: string) => model.hosts.filter((h) => h.roles.includes(role as never)).length;
    expect(count("web") + count("app")).toBe(n - fixedHosts(base));
    expect(Math.abs(count("web") - count("app"))).toBeLessThanOrEqual(1);
    expect(count("db")).toBe(2);
    expect(loaded.value.app).toMatchObject({ type: "demo", workers: 1 });
  });
  it("refuses sizes the spec cannot hold", () => {
    expect(() => scaledSpec(base, fixedHosts(base) + 1)).toThrow(/at least/);
    expect(() => scaledSpec(base, 200)).toThrow(/at most 40/);
  });
});

describe("the benchmark's command line", () => {
  it("plans a full run by default and a short one with --quick", () => {
    const full = parseArgs([]).plan;
    const quick = parseArgs(["--quick"]).plan;
    expect(full.mode).toBe("full");
    expect(full.lifecycle.sizes).toEqual([10, 25, 50]);
    expect(full.lifecycle.runs).toBeGreaterThan(quick.lifecycle.runs);
    expect(quick.serving.load.durationS).toBeLessThan(full.serving.load.durationS);
    // The capacity group brings up a dozen sized labs: a full run only.
    expect(full.groups).toContain("capacity");
    expect(quick.groups).not.toContain("capacity");
    // every load is bounded
    for (const p of [full, quick]) expect(p.serving.load.durationS * p.serving.load.connections).toBeGreaterThan(0);
  });
  it("narrows groups with --only and runs with --runs", () => {
    const a = parseArgs(["--only", "serving,footprint", "--runs", "2"]);
    expect(a.plan.groups).toEqual(["serving", "footprint"]);
    expect(a.plan.serving.runs).toBe(2);
    expect(a.plan.lifecycle.generatedRuns).toBe(2);
    expect(parseArgs(["--cases", "reload,lb-crash"]).plan.failover.cases).toEqual(["reload", "lb-crash"]);
    // The rootless group (issue 17): root and a normal user's lab, in the same run.
    const r = parseArgs(["--only", "rootless", "--runs", "2"]).plan;
    expect(r.groups).toEqual(["rootless"]);
    expect(r.rootless.runs).toBe(2);
  });
  it("retries a failed bring-up a bounded number of times", () => {
    expect(maxAttempts(5)).toBe(8);
    expect(maxAttempts(3)).toBe(5);
    expect(maxAttempts(1)).toBe(2);
  });
  it("rejects what it does not know", () => {
    expect(() => parseArgs(["--only", "speed"])).toThrow(UsageError);
    expect(() => parseArgs(["--runs", "0"])).toThrow(/1 to 20/);
    expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/);
    expect(() => parseArgs(["--cases", "lb-crash,dns-crash"])).toThrow(/unknown case dns-crash/);
    expect(() => parseArgs(["--render"])).toThrow(/needs a value/);
  });
});

describe("what the benchmark measures on design 3", () => {
  const model = buildModel(loadBlueprint("3"));
  it("loads the dynamic page through the whole path from the user host, and each server alone on its own loopback", () => {
    const t = Object.fromEntries(servingTargets(model).map((x) => [x.id, x]));
    expect(t["path-dynamic"]).toMatchObject({ from: "user", url: "https://www.foobar.com/api/entries?limit=5" });
    expect(t["path-static"]!.url).toBe("https://www.foobar.com/static/style.css");
    expect(t["nginx-static"]).toMatchObject({ from: "web-1", url: "https://127.0.0.1/static/style.css" });
    expect(t["app-direct"]).toMatchObject({ from: "app-1", url: "https://127.0.0.1:8000/api/entries?limit=5" });
  });
  it("design 1 (no TLS to the app) loads the app over plain HTTP", () => {
    const t = servingTargets(buildModel(loadBlueprint("1"))).find((x) => x.id === "app-direct")!;
    expect(t.url.startsWith("http://127.0.0.1:")).toBe(true);
  });
  it("covers every failover the issue asks for, and the scenarios it writes pass the runner's schema", () => {
    const cases = failoverCases();
    expect(cases.map((c) => c.id)).toEqual(["lb-crash", "lb-stop", "web-crash", "app-crash", "deploy", "reload", "db-crash"]);
    for (const c of cases) {
      // a built-in scenario the benchmark names must exist; one it writes must pass the runner's schema
      const s = "yaml" in c.scenario ? parseScenario(c.scenario.yaml, c.scenario.name, "bench") : loadScenario(c.scenario.builtIn);
      expect(s.steps.length).toBeGreaterThan(0);
    }
  });
});

describe("the results file", () => {
  const at = "2026-12-02T20:00:00.000Z";
  it("is the date for a full run, -quick for a quick one, and names a partial run's groups", () => {
    expect(resultsName({ startedAt: at, mode: "full", groups: [...GROUPS] })).toBe("2026-12-02.json");
    expect(resultsName({ startedAt: at, mode: "full" })).toBe("2026-12-02.json");
    // a quick run has no capacity group and is still whole
    expect(resultsName({ startedAt: at, mode: "quick", groups: GROUPS.filter((g) => g !== "capacity") })).toBe("2026-12-02-quick.json");
    expect(resultsName({ startedAt: at, mode: "full", groups: ["rehearsal"] })).toBe("2026-12-02-only-rehearsal.json");
    expect(isPartial(parseArgs(["--only", "rehearsal,failover"]).plan.groups)).toBe(true);
    expect(isPartial(parseArgs([]).plan.groups)).toBe(false);
  });
});
