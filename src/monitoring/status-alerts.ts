// The alerts part of `stacklab status`: what fires now in a lab, or why that cannot be told.
import type { Model } from "../model/types.js";
import { openLab } from "../runtime/lab.js";
import type { LabState } from "../runtime/state.js";
import { labStatus, type LabStatus } from "../runtime/status.js";
import { handleFor } from "./handle.js";
import { activeAlerts } from "./query.js";
import type { LabAlert } from "./types.js";

/** Alerts of a running lab as `status` shows them. */
export interface AlertsStatus {
  /** Where they come from, in words ("Prometheus on mon-1"). */
  source: string;
  firing: LabAlert[];
  /** Conditions already true whose `for` has not passed yet. */
  pending: LabAlert[];
  /** Set when the alerts could not be read (monitoring host down, Prometheus not answering). */
  error?: string;
}

/** Reads a lab's alerts for `status`; null when its design has no monitoring. Never throws. */
export async function labAlerts(state: LabState, model: Model): Promise<AlertsStatus | null> {
  const host = model.monitoring.host;
  if (!host) return null;
  const source = `Prometheus on ${host}`;
  try {
    const alerts = await activeAlerts(handleFor(state, model));
    return { source, firing: alerts.filter((a) => a.state === "firing"), pending: alerts.filter((a) => a.state === "pending") };
  } catch (err) {
    return { source, firing: [], pending: [], error: err instanceof Error ? err.message : String(err) };
  }
}

/** `stacklab status`: the runtime's view of every host and service, with the alerts of the lab's Prometheus. */
export interface StatusWithAlerts extends LabStatus {
  /** Pending and firing alerts from the lab's Prometheus; null when the design has no monitoring. */
  alerts: AlertsStatus | null;
}

/** Gathers a lab's status and its alerts at the same time. */
export async function labStatusWithAlerts(lab?: string): Promise<StatusWithAlerts> {
  const { name, state, model } = openLab(lab);
  const [status, alerts] = await Promise.all([labStatus(name), labAlerts(state, model)]);
  return { ...status, alerts };
}
