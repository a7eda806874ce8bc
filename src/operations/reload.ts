// Hitless reloads of one service: HAProxy hands its listening sockets to new workers, nginx and keepalived re-read.
import type { Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { recordEvent } from "../runtime/events.js";
import { control, type Control } from "../runtime/supervise.js";
import { isAlive, type LabState } from "../runtime/state.js";

/** The signal each service takes to reload its configuration without dropping connections. */
export const RELOAD_SIGNAL: Record<string, Control> = { haproxy: "usr2", nginx: "hup", keepalived: "hup", app: "hup", dns: "hup", prometheus: "hup", "db-proxy": "usr2" };

/** Reloads one service of a host (or every reloadable service on it). */
export function reloadService(state: LabState, model: Model, host: string, service?: string): string[] {
  const hs = state.hosts.find((h) => h.name === host);
  if (!hs) throw new UsageError(`no host "${host}" in lab ${state.name}; hosts: ${state.hosts.map((h) => h.name).join(", ")}`);
  if (!isAlive(hs.init)) throw new UsageError(`host ${host} is down`);
  const kinds = model.services.filter((s) => s.host === host && RELOAD_SIGNAL[s.kind]).map((s) => s.kind as string);
  if (service && !kinds.includes(service)) throw new UsageError(`${host} runs no reloadable service "${service}"; it has: ${kinds.join(", ") || "none"}`);
  const targets = service ? [service] : kinds;
  for (const kind of targets) {
    if (!control(state.name, host, kind, RELOAD_SIGNAL[kind]!)) throw new UsageError(`${kind} on ${host} is not running`);
    recordEvent(state.name, { kind: "deploy", host, message: `reloaded ${kind} on ${host}`, source: "cli" });
  }
  return targets;
}
