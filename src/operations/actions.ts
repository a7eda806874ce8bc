// What can be done to a running lab, described once: each fault and operation with its arguments, what it needs
// (hosts, a service) and the function it calls. `stacklab fault`, the experiments' steps and the dashboard's
// buttons all go through this table, so a new action (or a changed one) is written in one place.
import { heal, killHost, netem, partition, pauseHost, restart, startHost, startService, stopHost, stopService, type FaultLab, type FaultResult } from "../runtime/faults/index.js";
import type { LinkImpairment, StressLoad } from "../runtime/faults/types.js";
import { stressHost } from "../runtime/faults/stress.js";
import { UsageError } from "../spec/errors.js";
import { applyPlan, planApply, scaledSpec } from "./apply.js";
import { deploy } from "./deploy.js";
import { endMaintenance, startMaintenance } from "./maintain.js";
import { reloadService } from "./reload.js";

/** Every action's name, in the order help texts list them. */
export const ACTION_NAMES = ["kill", "stop", "start", "restart", "pause", "partition", "netem", "stress", "heal", "deploy", "reload", "maintain", "scale"] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** What an action is given, hosts already resolved from names or roles. */
export interface ActionArgs {
  /** The hosts it acts on (see `hosts` in the action's description for how many). */
  hosts: string[];
  /** partition: cut off only from these hosts (default: every other host). */
  from?: string[];
  /** stop, start, restart, reload: one service of the host instead of the whole host. */
  service?: string;
  /** netem: how the host's links misbehave, and optionally only one link. */
  netem?: LinkImpairment & { link?: string };
  /** stress: the noisy neighbour's load and how long it lasts. */
  stress?: StressLoad;
  /** deploy: the version (default: one made from the time) and batch size. */
  deploy?: { version?: string; batch?: number };
  /** maintain: end the maintenance instead of starting it. */
  done?: boolean;
  /** scale: the tier and its new size. */
  scale?: { tier: string; count: number };
}

/** How an action is described. */
export interface ActionDef {
  name: ActionName;
  /** fault: breaks something; heal: undoes faults; operation: operates the lab as an operator would. */
  kind: "fault" | "heal" | "operation";
  /** What it does, in words (help texts, the dashboard). */
  summary: string;
  /** How many hosts: exactly one, one or more, any number (none: all of them), or none. */
  hosts: "one" | "some" | "any" | "none";
  /** Whether it takes a service of the host. */
  service: "no" | "optional";
  /** The argument it cannot do without, besides hosts. */
  needs?: "netem" | "scale" | "stress";
  run(lab: FaultLab, args: ActionArgs): Promise<FaultResult[]>;
}

/** An operation's result, reported like a fault's. */
function done(name: ActionName, hosts: string[], started: number, message: string): FaultResult[] {
  return [{ action: name, hosts, at: started, durationMs: Date.now() - started, message }];
}

const one = (a: ActionArgs) => a.hosts[0]!;

export const ACTIONS: { readonly [K in ActionName]: ActionDef & { name: K } } = {
  kill: {
    name: "kill",
    kind: "fault",
    summary: "crash a host: SIGKILL every process through its init, and its links down at the same instant",
    hosts: "one",
    service: "no",
    run: async (lab, a) => [await killHost(lab, one(a))],
  },
  stop: {
    name: "stop",
    kind: "fault",
    summary: "shut a service (runit `d`) or a whole host down cleanly",
    hosts: "one",
    service: "optional",
    run: async (lab, a) => [a.service ? await stopService(lab, one(a), a.service) : await stopHost(lab, one(a))],
  },
  start: {
    name: "start",
    kind: "heal",
    summary: "start a stopped service (runit `u`), or boot a killed or stopped host again",
    hosts: "one",
    service: "optional",
    run: async (lab, a) => [a.service ? await startService(lab, one(a), a.service) : await startHost(lab, one(a))],
  },
  restart: {
    name: "restart",
    kind: "fault",
    summary: "restart a service, or a whole host (clean shutdown, then boot)",
    hosts: "one",
    service: "optional",
    run: (lab, a) => restart(lab, one(a), a.service),
  },
  pause: {
    name: "pause",
    kind: "fault",
    summary: "freeze every process of a host (SIGSTOP): a hung server; `heal` resumes it",
    hosts: "one",
    service: "no",
    run: async (lab, a) => [await pauseHost(lab, one(a))],
  },
  partition: {
    name: "partition",
    kind: "fault",
    summary: "cut hosts off from the others (or from --from), both directions, with nftables in the hosts' namespaces",
    hosts: "some",
    service: "no",
    run: async (lab, a) => [await partition(lab, a.hosts, a.from)],
  },
  netem: {
    name: "netem",
    kind: "fault",
    summary: "delay (with jitter) and drop packets a host sends on its links",
    hosts: "one",
    service: "no",
    needs: "netem",
    run: async (lab, a) => {
      const { link, ...imp } = a.netem!;
      return [await netem(lab, one(a), imp, link)];
    },
  },
  stress: {
    name: "stress",
    kind: "fault",
    summary: "a noisy neighbour: stress-ng in a host burning CPU workers and/or holding memory, for a bounded time",
    hosts: "one",
    service: "no",
    needs: "stress",
    run: async (lab, a) => [await stressHost(lab, one(a), a.stress!)],
  },
  heal: {
    name: "heal",
    kind: "heal",
    summary: "undo faults: resume, reconnect, remove delay, boot hosts that are down, start stopped services",
    hosts: "any",
    service: "no",
    run: async (lab, a) => (a.hosts.length ? (await Promise.all(a.hosts.map((h) => heal(lab, h)))).flat() : heal(lab)),
  },
  deploy: {
    name: "deploy",
    kind: "operation",
    summary: "roll a new app version out, in batches, each app server drained first",
    hosts: "none",
    service: "no",
    run: async (lab, a) => {
      const started = Date.now();
      const version = a.deploy?.version ?? `v${started.toString(36)}`;
      const r = await deploy(lab.state, { version, ...(a.deploy?.batch ? { batch: a.deploy.batch } : {}) });
      return done("deploy", a.hosts, started, `deployed ${r.from} -> ${r.to} in ${r.batches.length} batch(es)`);
    },
  },
  reload: {
    name: "reload",
    kind: "operation",
    summary: "reload a host's services (or one of them) with their new configuration, without dropping connections",
    hosts: "one",
    service: "optional",
    run: async (lab, a) => {
      const started = Date.now();
      return done("reload", a.hosts, started, `reloaded ${reloadService(lab.state, lab.model, one(a), a.service).join(", ")} on ${one(a)}`);
    },
  },
  maintain: {
    name: "maintain",
    kind: "operation",
    summary: "take a host out of service for maintenance (its traffic and roles handed over), or bring it back (done)",
    hosts: "one",
    service: "no",
    run: async (lab, a) => {
      const started = Date.now();
      const r = a.done ? await endMaintenance(lab.state, lab.model, one(a)) : await startMaintenance(lab.state, lab.model, one(a), lab.switchover);
      return done("maintain", a.hosts, started, r.steps.map((x) => x.what).join("; "));
    },
  },
  scale: {
    name: "scale",
    kind: "operation",
    summary: "change a tier's number of servers on the running lab",
    hosts: "none",
    service: "no",
    needs: "scale",
    run: async (lab, a) => {
      const started = Date.now();
      const { tier, count } = a.scale!;
      const next = scaledSpec(lab.state.spec, tier, count);
      const { plan, model, oldModel } = await planApply(lab.state, next);
      await applyPlan(lab.state, next, plan, model, oldModel);
      lab.model = model;
      return done("scale", a.hosts, started, `scaled ${tier} to ${count}: +${plan.addHosts.join(",") || "none"} -${plan.removeHosts.join(",") || "none"}`);
    },
  },
};

/** True for a known action name. */
export function isActionName(name: unknown): name is ActionName {
  return typeof name === "string" && (ACTION_NAMES as readonly string[]).includes(name);
}

/** Why these arguments do not fit the action (host count, a service it cannot take, a missing argument), or null. */
export function actionArgsProblem(name: ActionName, a: ActionArgs): string | null {
  const def = ACTIONS[name];
  const n = a.hosts.length;
  const got = n ? `got ${a.hosts.join(", ")}` : "got none";
  if (def.hosts === "one" && n !== 1) return `${name} takes one host; ${got}`;
  if (def.hosts === "some" && n === 0) return `${name} takes at least one host; got none`;
  if (def.hosts === "none" && n !== 0) return `${name} takes no host; ${got}`;
  if (def.service === "no" && a.service !== undefined) return `${name} acts on a whole host, not on a service ("${a.service}")`;
  if (a.from !== undefined && name !== "partition") return `only partition takes "from" hosts`;
  if (def.needs && a[def.needs] === undefined) return `${name} needs its ${def.needs} settings`;
  return null;
}

/** Checks the arguments, then carries the action out on the lab. */
export async function runAction(lab: FaultLab, name: ActionName, args: ActionArgs): Promise<FaultResult[]> {
  const problem = actionArgsProblem(name, args);
  if (problem) throw new UsageError(problem);
  return ACTIONS[name].run(lab, args);
}
