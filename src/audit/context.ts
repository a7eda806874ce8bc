// What every audit check gets: the lab's state and model, its secrets, and a way to run commands in its hosts.
import type { Host, Model } from "../model/types.js";
import type { CommandResult, RunOptions } from "../runtime/exec.js";
import { runInHost } from "../runtime/host.js";
import type { Secrets } from "../runtime/secrets.js";
import { isAlive, type LabState } from "../runtime/state.js";
import type { AuditCheck } from "./types.js";

/** Serves a lab's dashboard for a moment and returns each page and JSON answer (dashboard/answers.ts, handed in by the CLI). */
export type DashboardReader = (lab: string) => Promise<{ path: string; body: string }[]>;

export interface AuditContext {
  lab: string;
  state: LabState;
  model: Model;
  secrets: Secrets;
  /** Runs a command inside a host (throws when the host is down). */
  inHost(host: string, argv: string[], options?: RunOptions): Promise<CommandResult>;
  /** True when the host's init still runs. */
  isUp(host: string): boolean;
  /** Reads the dashboard's answers, for the secrets check. */
  dashboardAnswers: DashboardReader;
}

/** Builds the context of an audit of a running lab. */
export function auditContext(state: LabState, model: Model, secrets: Secrets, dashboardAnswers: DashboardReader): AuditContext {
  const init = (host: string) => state.hosts.find((h) => h.name === host)?.init;
  return {
    lab: state.name,
    state,
    model,
    secrets,
    dashboardAnswers,
    isUp: (host) => isAlive(init(host)),
    inHost: (host, argv, options) => {
      const proc = init(host);
      if (!proc || !isAlive(proc)) throw new Error(`host ${host} is down`);
      return runInHost(proc.pid, argv, { check: false, timeoutMs: 20_000, ...options });
    },
  };
}

/** Hosts that belong to the design (servers and the monitoring host), as opposed to the lab's visitor and DNS server. */
export function designHosts(model: Model): Host[] {
  return model.hosts.filter((h) => !h.roles.includes("user") && !h.roles.includes("dns"));
}

/** A check's result before it is timed. */
export type CheckResult = Omit<AuditCheck, "durationMs">;

/**
 * Runs a group of checks that share their probes and times them; an unexpected error fails every
 * check of the group with its message, so one broken probe never hides the other checks.
 */
export async function timed(checks: { id: string; title: string }[], fn: () => Promise<CheckResult[]>): Promise<AuditCheck[]> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const results = await fn();
    const durationMs = ms();
    return results.map((r) => ({ ...r, durationMs }));
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    const durationMs = ms();
    return checks.map((c) => ({ ...c, status: "fail", summary: `the check could not run: ${why}`, details: [], durationMs }));
  }
}
