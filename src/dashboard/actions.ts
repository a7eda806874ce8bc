// The fault panel's buttons: each runs an action of the lab's action table (operations/actions.ts) on a freshly
// loaded lab, one at a time.
import { withLabLock } from "../runtime/lock.js";
import { runAction, type ActionArgs, type ActionName } from "../operations/actions.js";
import type { FaultLab, FaultResult } from "../runtime/faults/index.js";
import { openLab } from "../runtime/lab.js";
import { UsageError } from "../spec/errors.js";

/** A button: the words on it, and the action (with fixed settings) it runs on the host it is pressed for. */
interface FaultButton {
  label: string;
  help: string;
  action: ActionName;
  args?: Omit<ActionArgs, "hosts">;
}

/** The faults the page offers, with the words on their buttons. */
export const FAULT_ACTIONS = {
  kill: { label: "Crash", help: "SIGKILL every process of the host, links down", action: "kill" },
  stop: { label: "Shut down", help: "stop every service cleanly, then the host", action: "stop" },
  pause: { label: "Freeze", help: "SIGSTOP every process: a hung host whose network still answers", action: "pause" },
  partition: { label: "Cut off", help: "drop traffic between this host and every other one", action: "partition" },
  delay: { label: "Slow link", help: "200 ms ± 20 ms delay on what the host sends", action: "netem", args: { netem: { delayMs: 200, jitterMs: 20, lossPct: 0 } } },
} as const satisfies Record<string, FaultButton>;

export type FaultAction = keyof typeof FAULT_ACTIONS;

/** Checks a request body `{ host, action }` and returns it typed, or throws a UsageError saying what is wrong. */
export function parseFault(body: unknown): { host: string; action: FaultAction } {
  const b = (body ?? {}) as { host?: unknown; action?: unknown };
  if (typeof b.host !== "string" || !b.host) throw new UsageError('give the host to break: { "host": "lb-1", "action": "kill" }');
  if (typeof b.action !== "string" || !(b.action in FAULT_ACTIONS)) throw new UsageError(`unknown action ${JSON.stringify(b.action)}; one of ${Object.keys(FAULT_ACTIONS).join(", ")}`);
  return { host: b.host, action: b.action as FaultAction };
}

/** Checks a heal body `{ host? }`: one host, or every fault when absent. */
export function parseHeal(body: unknown): { host?: string } {
  const b = (body ?? {}) as { host?: unknown };
  if (b.host === undefined || b.host === null || b.host === "") return {};
  if (typeof b.host !== "string") throw new UsageError("host must be a host name");
  return { host: b.host };
}

/** Runs faults and heals of one lab one after the other, each on the lab's state as it is on disk then. */
export class FaultRunner {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly lab: string) {}

  private open(): FaultLab {
    const { state, model } = openLab(this.lab);
    return { state, model, source: "dashboard" };
  }

  private queue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Runs an action holding the lab's lock (a busy lab answers with the holder's name), on the state read under it. */
  private locked<T>(what: string, fn: (lab: FaultLab) => Promise<T>): Promise<T> {
    return this.queue(() => withLabLock(this.lab, `stacklab dashboard: ${what}`, {}, () => fn(this.open())));
  }

  /** Injects one fault on one host. */
  fault(host: string, button: FaultAction): Promise<FaultResult[]> {
    const b: FaultButton = FAULT_ACTIONS[button];
    return this.locked(`${button} ${host}`, (lab) => runAction(lab, b.action, { ...b.args, hosts: [host] }));
  }

  /** Undoes the faults of one host, or of the whole lab. */
  heal(host?: string): Promise<FaultResult[]> {
    return this.locked(`heal${host ? ` ${host}` : ""}`, (lab) => runAction(lab, "heal", { hosts: host ? [host] : [] }));
  }
}
