// A scenario's steps on a running lab: references resolved to hosts, the sequence checked before anything
// is touched (no killing a host that is already down), then each step carried out through the lab's action table.
import { UsageError } from "../spec/errors.js";
import { checkImpairment, checkStress, hostServices, type FaultLab, type FaultResult } from "../runtime/faults/index.js";
import { ACTIONS, runAction, type ActionArgs } from "../operations/actions.js";
import type { Step } from "./scenario.js";
import { NotApplicableError, resolveTarget, type LiveRoles } from "./targets.js";

/** A step with its hosts resolved on the design. */
export interface ResolvedStep extends Step {
  hosts: string[];
  fromHosts?: string[];
  /** The step in words: "kill lb-1 (active-lb)". */
  text: string;
}

/** True for steps that break something or operate the lab (as opposed to heal, start, and the end of maintenance). */
export function isFault(step: Step): boolean {
  return step.action !== "heal" && step.action !== "start" && !(step.action === "maintain" && step.done);
}

function describe(step: Step, hosts: string[], from?: string[]): string {
  const named = (refs: string[], resolved: string[]) => {
    const r = resolved.join(", ");
    return refs.length === 1 && refs[0] === r ? r : `${r} (${refs.join(", ")})`;
  };
  switch (step.action) {
    case "heal":
      return step.targets.length ? `heal ${named(step.targets, hosts)}` : "heal everything";
    case "partition":
      return `partition ${named(step.targets, hosts)} from ${from ? named(step.from!, from) : "every other host"}`;
    case "netem": {
      const n = step.netem!;
      return `netem ${named(step.targets, hosts)}: ${n.delayMs} ms delay${n.jitterMs ? ` ± ${n.jitterMs} ms` : ""}${n.lossPct ? `, ${n.lossPct}% loss` : ""}`;
    }
    case "deploy":
      return `deploy ${step.deploy?.version ?? "a new version"}${step.deploy?.batch ? ` in batches of ${step.deploy.batch}` : ""}`;
    case "scale":
      return `scale ${step.scale!.tier}=${step.scale!.count}`;
    case "maintain":
      return `maintain ${named(step.targets, hosts)}${step.done ? " --done" : ""}`;
    default:
      return `${step.action} ${named(step.targets, hosts)}${step.service ? ` ${step.service}` : ""}`;
  }
}

/** Resolves every step's references; throws NotApplicableError when the design lacks a host a step needs. */
export function resolveSteps(steps: readonly Step[], lab: FaultLab, live: LiveRoles): ResolvedStep[] {
  return steps.map((step) => {
    const hosts = [...new Set(step.targets.flatMap((t) => resolveTarget(t, lab.model, live)))];
    if (ACTIONS[step.action].hosts === "one" && hosts.length !== 1) throw new UsageError(`${step.action} takes one host; "${step.targets.join(", ")}" names ${hosts.join(", ")}`);
    const fromHosts = step.from ? [...new Set(step.from.flatMap((t) => resolveTarget(t, lab.model, live)))] : undefined;
    return { ...step, hosts, ...(fromHosts ? { fromHosts } : {}), text: describe(step, hosts, fromHosts) };
  });
}

/** Plays the steps on paper from a lab where every host runs, and rejects a sequence that makes no sense. */
export function checkSequence(steps: readonly ResolvedStep[], lab: FaultLab): void {
  const down = new Set<string>();
  const paused = new Set<string>();
  const stopped = new Set<string>();
  const at = (s: ResolvedStep) => `step at ${s.at / 1000} s (${s.text})`;
  for (const s of steps) {
    const h = s.hosts[0]!;
    const needUp = () => {
      if (down.has(h)) throw new UsageError(`${at(s)}: ${h} is already down by then`);
    };
    const needRunning = () => {
      needUp();
      if (paused.has(h)) throw new UsageError(`${at(s)}: ${h} is paused by then`);
    };
    const needService = () => {
      const known = hostServices(lab, h);
      if (!known.includes(s.service!)) throw new UsageError(`${at(s)}: ${h} does not run "${s.service}"; its services: ${known.join(", ")}`);
    };
    switch (s.action) {
      case "kill":
        needUp();
        down.add(h);
        paused.delete(h);
        break;
      case "pause":
        needUp();
        if (paused.has(h)) throw new UsageError(`${at(s)}: ${h} is already paused`);
        paused.add(h);
        break;
      case "stop":
      case "restart":
        needRunning();
        if (s.service) {
          needService();
          if (s.action === "stop") stopped.add(`${h}/${s.service}`);
        } else if (s.action === "stop") down.add(h);
        break;
      case "start":
        if (s.service) {
          needRunning();
          needService();
          if (!stopped.delete(`${h}/${s.service}`)) throw new UsageError(`${at(s)}: ${s.service} on ${h} is not stopped by then`);
        } else if (!down.delete(h)) throw new UsageError(`${at(s)}: ${h} is not down by then`);
        break;
      case "netem":
        checkImpairment(s.netem!);
        break;
      case "stress":
        checkStress(s.stress!);
        break;
      case "partition":
        if (!(s.fromHosts ?? lab.state.hosts.map((x) => x.name)).some((x) => !s.hosts.includes(x)))
          throw new NotApplicableError(`${at(s)}: nothing to cut ${s.hosts.join(", ")} off from on this design`);
        break;
      case "heal":
        for (const set of [down, paused]) for (const x of [...set]) if (!s.hosts.length || s.hosts.includes(x)) set.delete(x);
        for (const x of [...stopped]) if (!s.hosts.length || s.hosts.includes(x.split("/")[0]!)) stopped.delete(x);
        break;
    }
  }
}

/** What a step hands to its action. */
export function stepArgs(s: ResolvedStep): ActionArgs {
  return {
    hosts: s.hosts,
    ...(s.fromHosts ? { from: s.fromHosts } : {}),
    ...(s.service !== undefined ? { service: s.service } : {}),
    ...(s.netem ? { netem: s.netem } : {}),
    ...(s.stress ? { stress: s.stress } : {}),
    ...(s.deploy ? { deploy: s.deploy } : {}),
    ...(s.done !== undefined ? { done: s.done } : {}),
    ...(s.scale ? { scale: s.scale } : {}),
  };
}

/** Carries out one step. */
export function runStep(lab: FaultLab, s: ResolvedStep): Promise<FaultResult[]> {
  return runAction(lab, s.action, stepArgs(s));
}
