// The lab's action table (operations/actions.ts): one description of every fault and operation, used by
// `stacklab fault`, the experiments' steps and the dashboard's buttons; bad arguments are refused before anything runs.
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { FAULT_ACTIONS } from "../../src/dashboard/actions.js";
import { listScenarios, loadScenario, parseScenario } from "../../src/experiment/scenario-load.js";
import { OPERATIONS } from "../../src/experiment/scenario.js";
import { resolveSteps, stepArgs } from "../../src/experiment/steps.js";
import type { LiveRoles } from "../../src/experiment/targets.js";
import { NotApplicableError } from "../../src/experiment/targets.js";
import { buildModel } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";
import { ACTION_NAMES, ACTIONS, actionArgsProblem, isActionName, runAction, type ActionArgs } from "../../src/operations/actions.js";
import type { FaultLab } from "../../src/runtime/faults/index.js";
import type { LabState } from "../../src/runtime/state.js";
import { UsageError } from "../../src/spec/errors.js";

const live: LiveRoles = { holders: {}, writable: ["db-1"], primary: "db-1" };
const labOf = (m: Model): FaultLab => ({ model: m, state: { name: "t", hosts: m.hosts.map((h) => ({ name: h.name, netns: "", links: [] })) } as unknown as LabState });

/** A lab that fails the test if an action touches it. */
const untouchable = new Proxy({} as FaultLab, {
  get(_t, key) {
    throw new Error(`the action touched the lab (${String(key)}) although its arguments were wrong`);
  },
});

describe("the action table", () => {
  it("describes every action once, under its own name", () => {
    expect(Object.keys(ACTIONS).sort()).toEqual([...ACTION_NAMES].sort());
    for (const name of ACTION_NAMES) {
      expect(ACTIONS[name].name).toBe(name);
      expect(ACTIONS[name].summary.length).toBeGreaterThan(10);
    }
    expect(isActionName("kill")).toBe(true);
    expect(isActionName("explode")).toBe(false);
    expect([...OPERATIONS].sort()).toEqual(["deploy", "maintain", "reload", "scale"]);
  });

  it("refuses arguments that do not fit, saying why", () => {
    const bad: [string, (typeof ACTION_NAMES)[number], ActionArgs, RegExp][] = [
      ["two hosts for kill", "kill", { hosts: ["web-1", "web-2"] }, /^kill takes one host; got web-1, web-2$/],
      ["no host for pause", "pause", { hosts: [] }, /^pause takes one host; got none$/],
      ["no host for partition", "partition", { hosts: [] }, /^partition takes at least one host/],
      ["a host for deploy", "deploy", { hosts: ["app-1"] }, /^deploy takes no host; got app-1$/],
      ["a service for kill", "kill", { hosts: ["web-1"], service: "nginx" }, /acts on a whole host, not on a service \("nginx"\)/],
      ["from hosts for kill", "kill", { hosts: ["web-1"], from: ["lb-1"] }, /only partition takes "from" hosts/],
      ["netem without settings", "netem", { hosts: ["web-1"] }, /netem needs its netem settings/],
      ["scale without settings", "scale", { hosts: [] }, /scale needs its scale settings/],
    ];
    for (const [what, name, args, message] of bad) expect(actionArgsProblem(name, args), what).toMatch(message);
    const good: [(typeof ACTION_NAMES)[number], ActionArgs][] = [
      ["kill", { hosts: ["web-1"] }],
      ["stop", { hosts: ["web-1"], service: "nginx" }],
      ["partition", { hosts: ["db-1", "db-2"], from: ["app-1"] }],
      ["heal", { hosts: [] }],
      ["heal", { hosts: ["web-1", "lb-1"] }],
      ["netem", { hosts: ["web-1"], netem: { delayMs: 100, jitterMs: 0, lossPct: 0 } }],
      ["deploy", { hosts: [], deploy: {} }],
      ["scale", { hosts: [], scale: { tier: "web", count: 3 } }],
      ["maintain", { hosts: ["lb-1"], done: true }],
    ];
    for (const [name, args] of good) expect(actionArgsProblem(name, args), `${name} ${JSON.stringify(args)}`).toBeNull();
  });

  it("runAction refuses bad arguments with a usage error before touching the lab", async () => {
    await expect(runAction(untouchable, "kill", { hosts: ["a", "b"] })).rejects.toThrow(UsageError);
    await expect(runAction(untouchable, "netem", { hosts: ["a"] })).rejects.toThrow(/netem needs/);
  });

  it("every dashboard button runs an action of the table with arguments it accepts", () => {
    for (const [button, b] of Object.entries(FAULT_ACTIONS)) {
      const args: ActionArgs = { ...("args" in b ? b.args : {}), hosts: ["web-1"] };
      expect(isActionName(b.action), button).toBe(true);
      expect(actionArgsProblem(b.action, args), button).toBeNull();
    }
  });

  it("every step of every built-in scenario hands its action arguments it accepts, on every design it applies to", () => {
    let checked = 0;
    for (const bp of ["0", "1", "2", "3"]) {
      const lab = labOf(buildModel(loadBlueprint(bp), { slot: 0 }));
      for (const name of listScenarios()) {
        let steps;
        try {
          steps = resolveSteps(loadScenario(name).steps, lab, live);
        } catch (err) {
          if (err instanceof NotApplicableError) continue;
          throw err;
        }
        for (const s of steps) {
          expect(actionArgsProblem(s.action, stepArgs(s)), `${name} on design ${bp}: ${s.text}`).toBeNull();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("a step naming several hosts for a one-host action is refused when the steps are resolved", () => {
    const lab = labOf(buildModel(loadBlueprint("3"), { slot: 0 }));
    const steps = parseScenario("description: x\nsteps:\n  - at: 1s\n    kill: all-web\n", "x", "test").steps;
    expect(() => resolveSteps(steps, lab, live)).toThrow(/kill takes one host/);
  });
});
