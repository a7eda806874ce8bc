// Where a lab's Prometheus and Alertmanager run: the monitoring host's init, to enter it (the machine has no route into a lab).
import type { Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { openLab } from "../runtime/lab.js";
import { isAlive, type LabState } from "../runtime/state.js";

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
  const { state, model } = openLab(ref);
  return handleFor(state, model);
}
