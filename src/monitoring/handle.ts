// Where a lab's Prometheus and Alertmanager run: the monitoring host's init, to enter it (the machine has no route into a lab).
import { labModel } from "../runtime/lab-model.js";
import type { Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { isAlive, listLabs, readState, type LabState } from "../runtime/state.js";

/** A running lab's monitoring host, resolved once and reused for many queries. */
export interface MonitoringHandle {
  lab: string;
  /** The monitoring host's name (mon-1). */
  host: string;
  /** PID of the monitoring host's init on this machine, to enter its namespaces. */
  initPid: number;
}

/** A lab name, an already resolved handle, or undefined for the only lab running: every query function takes one. */
export type LabRef = string | MonitoringHandle | undefined;

/** The monitoring host is down, or the lab has none: nothing can be queried. */
export class MonitoringUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MonitoringUnavailableError";
  }
}

/** Resolves the monitoring host of a lab whose state and model are already loaded. */
export function handleFor(state: LabState, model: Model): MonitoringHandle {
  const host = model.monitoring.host;
  if (!host) throw new UsageError(`lab ${state.name} runs a design without monitoring (monitoring.system: none); add \`monitoring: { system: prometheus }\` to its spec`);
  const init = state.hosts.find((h) => h.name === host)?.init;
  if (!isAlive(init)) throw new MonitoringUnavailableError(`the monitoring host ${host} of lab ${state.name} is down`);
  return { lab: state.name, host, initPid: init!.pid };
}

/** Resolves a lab name (default: the only lab running) or passes a handle through. */
export function resolveMonitoring(ref?: LabRef): MonitoringHandle {
  if (typeof ref === "object") return ref;
  const labs = listLabs();
  const name = ref ?? (labs.length === 1 ? labs[0] : undefined);
  if (!name) throw new UsageError(labs.length ? `several labs run (${labs.join(", ")}); pick one with --name` : "no lab is running; start one with `stacklab up --blueprint 3-scale_up`");
  const state = readState(name);
  if (!state) throw new UsageError(`no lab named "${name}"${labs.length ? ` (running: ${labs.join(", ")})` : ""}`);
  return handleFor(state, labModel(state));
}
