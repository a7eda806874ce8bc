import { describe, expect, it } from "vitest";
import { GROUPS, isPartial, parseArgs, resultsName } from "../../src/bench/args.js";
import { fixedHosts, scaledSpec, specYaml } from "../../src/bench/generate.js";
import { maxAttempts } from "../../src/bench/lifecycle.js";
import { DB_GOALS, DB_WRITERS, failoverCases } from "../../src/bench/scenarios.js";
import { servingTargets } from "../../src/bench/serving.js";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { loadScenario, parseScenario } from "../../src/experiment/scenario-load.js";
import { checkSequence, resolveSteps } from "../../src/experiment/steps.js";
import { NotApplicableError, resolveTarget, type LiveRoles } from "../../src/experiment/targets.js";
import type { FaultLab } from "../../src/runtime/faults/index.js";
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
    expect(cases.map((c) => c.id)).toEqual(["lb-crash", "lb-stop", "web-crash", "app-crash", "deploy", "reload", "db-crash", "db-freeze", "db-partition", "db-crash-leader"]);
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

describe("issue 13's database cases", () => {
  const model = buildModel(loadBlueprint("3"));
  const lab = { state: { name: "t", hosts: model.hosts.map((h) => ({ name: h.name })) }, model, source: "test" } as unknown as FaultLab;
  const live: LiveRoles = { holders: {}, writable: ["db-1"], primary: "db-1", controller: "mon-1" };
  const db = failoverCases().filter((c) => c.id.startsWith("db-"));
  const parsed = (id: string) => {
    const c = db.find((x) => x.id === id)!;
    if (!("yaml" in c.scenario)) throw new Error(`${id} is not written by the benchmark`);
    return parseScenario(c.scenario.yaml, c.scenario.name, "bench");
  };
  it("load every database case with writers keeping DB_WRITERS writes in flight, not a write rate", () => {
    expect(db.map((c) => c.id)).toEqual(["db-crash", "db-freeze", "db-partition", "db-crash-leader"]);
    expect(DB_WRITERS).toBeGreaterThanOrEqual(8);
    for (const c of db) {
      const sc = parsed(c.id);
      expect(sc.load).toMatchObject({ writers: DB_WRITERS, writesPerSecond: 0 });
      expect(c.measure).toBe("writeDowntime");
    }
  });
  it("break the primary the way each case says, and heal everything later with nothing typed after", () => {
    const steps = (id: string) => resolveSteps(parsed(id).steps, lab, live).map((x) => `${x.at} ${x.action} ${x.hosts.join(",")}`);
    expect(steps("db-crash")).toEqual(["2000 kill db-1", "10000 heal "]);
    expect(steps("db-freeze")).toEqual(["2000 pause db-1", "10000 heal "]);
    expect(steps("db-partition")).toEqual(["2000 partition db-1", "10000 heal "]);
    // the primary and the host of the controller that leads (an etcd member) die at the same moment
    expect(steps("db-crash-leader")).toEqual(["2000 kill db-1", "2000 kill mon-1", "10000 heal "]);
    for (const c of db) expect(() => checkSequence(resolveSteps(parsed(c.id).steps, lab, live), lab)).not.toThrow();
    // a partition with no `from` cuts the primary off from every other host
    expect(resolveSteps(parsed("db-partition").steps, lab, live)[0]!.fromHosts).toBeUndefined();
  });
  it("target whichever controller leads, the first controller host when none is known", () => {
    expect(resolveTarget("leading-controller", model, live)).toEqual(["mon-1"]);
    expect(resolveTarget("leading-controller", model, { ...live, controller: undefined })).toEqual([model.database.controllers[0]]);
    expect(() => resolveTarget("leading-controller", buildModel(loadBlueprint("1")), { holders: {}, writable: [], primary: null })).toThrow(NotApplicableError);
  });
  it("expect no lost write, and on designs with automatic failover writes back and the tier whole within 30 s of the heal", () => {
    for (const c of db) {
      const sc = parsed(c.id);
      expect(sc.expect.flatMap((e) => e.check.map((x) => x.text))).toEqual(["lostWrites == 0", "writesRecovered == true", "wholeAfterHeal < 30s"]);
      expect(sc.expect[1]!.when).toEqual({ failover: "automatic" });
      expect(sc.expect[1]!.check[1]).toMatchObject({ metric: "wholeAfterHeal", op: "<", value: DB_GOALS.wholeAfterHealMs });
    }
  });
  it("the scenario schema takes writers or writes per second, not both, and bounds the writers", () => {
    const yaml = (load: string) => `description: d\nload: ${load}\nsteps:\n  - at: 1s\n    kill: primary-db\n`;
    expect(parseScenario(yaml("{ writers: 8 }"), "x", "t").load).toMatchObject({ writers: 8, writesPerSecond: 0 });
    expect(parseScenario(yaml("{ writes: 20 }"), "x", "t").load).toMatchObject({ writesPerSecond: 20 });
    expect(parseScenario(yaml("{}"), "x", "t").load.writesPerSecond).toBe(10);
    expect(parseScenario(yaml("{}"), "x", "t").load.writers).toBeUndefined();
    expect(() => parseScenario(yaml("{ writes: 20, writers: 8 }"), "x", "t")).toThrow(/not both/);
    expect(() => parseScenario(yaml("{ writers: 0 }"), "x", "t")).toThrow();
    expect(() => parseScenario(yaml("{ writers: 65 }"), "x", "t")).toThrow();
    expect(() => parseScenario(yaml("{ writers: 2.5 }"), "x", "t")).toThrow();
  });
});
