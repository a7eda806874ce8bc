// Scenarios as data: the built-in ones are valid, bad ones are rejected with every problem and its place,
// role references resolve on each design, expectations apply per design, and nonsense sequences are refused.
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";
import type { LabState } from "../../src/runtime/state.js";
import { SpecInvalidError, UsageError } from "../../src/spec/errors.js";
import { applicableExpectations, whenMatches, type DesignFacts } from "../../src/experiment/design.js";
import { evaluate, parseExpectation, type Expectation } from "../../src/experiment/expect.js";
import { listScenarios, loadScenario, parseScenario } from "../../src/experiment/scenario-load.js";
import { checkSequence, resolveSteps } from "../../src/experiment/steps.js";
import { NotApplicableError, resolveTarget, type LiveRoles } from "../../src/experiment/targets.js";
import { parseDuration } from "../../src/experiment/units.js";

const model = (bp: string): Model => buildModel(loadBlueprint(bp), { slot: 0 });
const noLive: LiveRoles = { holders: {}, writable: [], primary: null };
const labOf = (m: Model) => ({ model: m, state: { name: "t", hosts: m.hosts.map((h) => ({ name: h.name, netns: "", links: [] })) } as unknown as LabState });
const facts = (name: string, m: Model): DesignFacts => ({ name, loadBalancer: m.loadBalancer?.ha ?? "none", failover: m.database.failover, replication: m.database.replication });

describe("built-in scenarios", () => {
  it("cover the seed claims and are all valid", () => {
    const names = listScenarios();
    expect(names).toEqual(expect.arrayContaining(["kill-server", "kill-lb", "kill-web", "kill-app", "kill-primary", "partition-primary", "slow-web"]));
    for (const n of names) {
      const s = loadScenario(n);
      expect(s.steps.length).toBeGreaterThan(0);
      expect(s.durationMs).toBeLessThanOrEqual(10_000);
      expect(s.expect.flatMap((c) => c.check).some((e) => e.metric === "lostWrites")).toBe(true);
    }
  });

  it("expect different outcomes of a load-balancer crash on design 1 and design 3", () => {
    const s = loadScenario("kill-lb");
    const d1 = applicableExpectations(s, facts("1-distributed_web_infrastructure", model("1"))).map((e) => e.check.text);
    const d3 = applicableExpectations(s, facts("3-scale_up", model("3"))).map((e) => e.check.text);
    expect(d1).toContain("recovered == false");
    expect(d3).toContain("recovered == true");
    expect(d3).not.toContain("recovered == false");
  });

  it("expect writes to resume after a primary crash only where failover is automatic", () => {
    const s = loadScenario("kill-primary");
    expect(applicableExpectations(s, facts("1-distributed_web_infrastructure", model("1"))).map((e) => e.check.text)).toContain("writesRecovered == false");
    expect(applicableExpectations(s, facts("3-scale_up", model("3"))).map((e) => e.check.text)).toContain("writesRecovered == true");
  });
});

describe("scenario validation", () => {
  const bad = [
    "description: broken",
    "duration: 5",
    "steps:",
    "  - at: 3s",
    "    kill: lb-1",
    "    pause: web",
    "  - at: 1s",
    "    explode: db",
    "expect:",
    "  - check: [downtime < 1, lostWrites == 0.5, speed > 2]",
    "    when: { loadBalancer: double }",
    "",
  ].join("\n");

  it("reports every problem at once, each with its line", () => {
    let err: unknown;
    try {
      parseScenario(bad, "x", "test", "bad.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecInvalidError);
    const problems = (err as SpecInvalidError).problems;
    const text = problems.map((p) => `${p.line}: [${p.path}] ${p.message}`).join("\n");
    expect(text).toMatch(/^2: \[duration\] give a unit/m);
    expect(text).toMatch(/^4: \[steps\[0\]\] one action per step; this one has kill and pause/m);
    expect(text).toMatch(/^8: \[steps\[1\]\.explode\] unknown key "explode"/m);
    expect(text).toMatch(/\[expect\[0\]\.check\[0\]\] downtime is a duration with its unit/);
    expect(text).toMatch(/\[expect\[0\]\.check\[1\]\] lostWrites is a whole number/);
    expect(text).toMatch(/unknown metric "speed"/);
    expect(text).toMatch(/\[expect\[0\]\.when\.loadBalancer\]/);
  });

  it("rejects steps after the end of the run and steps out of order", () => {
    const text = ["description: x", "duration: 5s", "steps:", "  - at: 4s", "    kill: web", "  - at: 2s", "    heal: true", "  - at: 6s", "    heal: all", ""].join("\n");
    expect(() => parseScenario(text, "x", "test")).toThrow(/steps\[1\]\.at\] steps must be in time order[\s\S]*steps\[2\]\.at\] must be before the end of the run/);
  });

  it("reads durations and expectations as people write them", () => {
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("200ms")).toBe(200);
    expect(parseDuration("2 s")).toBe(2000);
    expect(parseDuration("soon")).toBeUndefined();
    const e = parseExpectation("downtime < 1s") as Expectation;
    expect(e).toMatchObject({ metric: "downtime", op: "<", value: 1000 });
    expect(evaluate(e, 999).passed).toBe(true);
    expect(evaluate(e, 1000).passed).toBe(false);
    expect(evaluate(e, null).passed).toBe(false);
    expect(parseExpectation("availability >= 99.5%")).toMatchObject({ value: 99.5 });
    expect(parseExpectation("recovered < true")).toMatch(/compare it with == or !=/);
  });
});

describe("role references", () => {
  it("resolve on each design", () => {
    const d0 = model("0");
    const d1 = model("1");
    const d3 = model("3");
    expect(resolveTarget("server", d0, noLive)).toEqual(["server-1"]);
    expect(resolveTarget("active-lb", d1, noLive)).toEqual(["lb-1"]);
    expect(resolveTarget("primary-db", d1, noLive)).toEqual(["server-1"]);
    expect(resolveTarget("all-app", d3, noLive)).toEqual(["app-1", "app-2"]);
    expect(resolveTarget("web", d3, noLive)).toEqual(["web-1"]);
    expect(resolveTarget("web-2", d3, noLive)).toEqual(["web-2"]);
  });

  it("follow the running lab: the floating IP's holder and the writable database", () => {
    const d3 = model("3");
    const live: LiveRoles = { holders: { [d3.entryPoints[0]!.address]: "lb-2" }, writable: ["db-2"], primary: "db-2" };
    expect(resolveTarget("active-lb", d3, live)).toEqual(["lb-2"]);
    expect(resolveTarget("standby-lb", d3, live)).toEqual(["lb-1"]);
    expect(resolveTarget("primary-db", d3, live)).toEqual(["db-2"]);
    expect(resolveTarget("replica-db", d3, live)).toEqual(["db-1"]);
  });

  it("say a step does not apply when the design has no such host, and reject unknown names", () => {
    expect(() => resolveTarget("active-lb", model("0"), noLive)).toThrow(NotApplicableError);
    expect(() => resolveTarget("lb-2", model("1"), noLive)).toThrow(/neither a host of this design/);
  });
});

describe("step sequences", () => {
  const d3 = model("3");
  const steps = (text: string) => resolveSteps(parseScenario(`description: x\nsteps:\n${text}`, "x", "test").steps, labOf(d3), noLive);

  it("refuse faults that make no sense, before anything runs", () => {
    expect(() => checkSequence(steps("  - at: 1s\n    kill: web\n  - at: 2s\n    kill: web-1\n"), labOf(d3))).toThrow(/web-1 is already down by then/);
    expect(() => checkSequence(steps("  - at: 1s\n    kill: db\n  - at: 2s\n    pause: db-1\n"), labOf(d3))).toThrow(UsageError);
    expect(() => checkSequence(steps("  - at: 1s\n    start: web-1\n"), labOf(d3))).toThrow(/web-1 is not down by then/);
    expect(() => checkSequence(steps("  - at: 1s\n    netem: { host: web, delay: 100ms, jitter: 300ms }\n"), labOf(d3))).toThrow(/jitter/);
  });

  it("accept a fault, its heal and the same fault again", () => {
    expect(() => checkSequence(steps("  - at: 1s\n    kill: web\n  - at: 2s\n    heal: web-1\n  - at: 3s\n    kill: web-1\n"), labOf(d3))).not.toThrow();
  });

  it("partition from a tier, leaving the partitioned host out of the other side", () => {
    const d1 = model("1");
    const s = resolveSteps(parseScenario("description: x\nsteps:\n  - at: 1s\n    partition: { hosts: primary-db, from: all-app }\n", "x", "test").steps, labOf(d1), noLive);
    expect(s[0]).toMatchObject({ hosts: ["server-1"], fromHosts: ["server-1", "server-2"] });
    expect(() => checkSequence(s, labOf(d1))).not.toThrow();
    const d0 = model("0");
    const s0 = resolveSteps(parseScenario("description: x\nsteps:\n  - at: 1s\n    partition: { hosts: primary-db, from: all-app }\n", "x", "test").steps, labOf(d0), noLive);
    expect(() => checkSequence(s0, labOf(d0))).toThrow(NotApplicableError);
  });

  it("match expectation groups on blueprint numbers and features", () => {
    const f3 = facts("3-scale_up", d3);
    expect(whenMatches({ design: ["3"] }, f3)).toBe(true);
    expect(whenMatches({ design: ["1", "2"] }, f3)).toBe(false);
    expect(whenMatches({ loadBalancer: "active-passive", failover: "automatic" }, f3)).toBe(true);
    expect(whenMatches({ replication: "async" }, f3)).toBe(false);
    expect(whenMatches(undefined, f3)).toBe(true);
  });
});
