// The faults a lab is under: their records in the lab's state, the checks every fault makes before it
// touches anything, and the event each one leaves in the lab's log.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { distance } from "fastest-levenshtein";
import type { Model } from "../../model/types.js";
import { UsageError } from "../../spec/errors.js";
import { isAlive, writeState, type HostState, type LabState } from "../state.js";
import { recordEvent } from "../events.js";
import { hostDir } from "../paths.js";
import { SERVICES } from "../services/index.js";
import type { ActiveFault } from "./types.js";

export type { ActiveFault } from "./types.js";

/** The lab a fault acts on; `source` says who asked, for the event log ("cli", "experiment kill-lb"). */
export interface FaultLab {
  state: LabState;
  model: Model;
  source?: string;
  /** A planned database switchover (from the failover layer), for steps that maintain the primary's host. */
  switchover?: (state: LabState, model: Model, from: string) => Promise<string>;
}

/** What one fault or heal did. */
export interface FaultResult {
  action: string;
  hosts: string[];
  /** When it took effect (ms since the epoch). */
  at: number;
  durationMs: number;
  message: string;
  /** Services that did not become ready after a start, with what was awaited. */
  notReady?: string[];
}

/** The nftables table partitions live in: never the host's own firewall table. */
export const FAULT_TABLE = "stacklab_fault";

// ---------------------------------------------------------------- lookups and checks

function suggest(name: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= 2 ? ` (did you mean ${best.k}?)` : "";
}

/** The recorded host named `name`, or a usage error listing the lab's hosts. */
export function hostOf(lab: FaultLab, name: string): HostState {
  const h = lab.state.hosts.find((x) => x.name === name);
  const names = lab.state.hosts.map((x) => x.name);
  if (!h) throw new UsageError(`no host "${name}" in lab ${lab.state.name}${suggest(name, names)}; hosts: ${names.join(", ")}`);
  return h;
}

export function faults(lab: FaultLab): ActiveFault[] {
  return (lab.state.faults ??= []);
}

export function pausedFault(lab: FaultLab, host: string): ActiveFault | undefined {
  return faults(lab).find((f) => f.kind === "pause" && f.host === host);
}

export function requireUp(lab: FaultLab, host: string, doing: string): HostState {
  const h = hostOf(lab, host);
  if (!isAlive(h.init)) throw new UsageError(`cannot ${doing} ${host}: the host is down; start it with \`stacklab fault start ${host}\` (or \`fault heal ${host}\`)`);
  return h;
}

export function requireRunning(lab: FaultLab, host: string, doing: string): HostState {
  const h = requireUp(lab, host, doing);
  if (pausedFault(lab, host)) throw new UsageError(`cannot ${doing} ${host}: the host is paused; resume it with \`stacklab fault heal ${host}\``);
  return h;
}

/** Services runit supervises on a host (the kinds this stacklab version runs there). */
export function hostServices(lab: FaultLab, host: string): string[] {
  const kinds = lab.model.services.filter((s) => s.host === host && SERVICES[s.kind]).map((s) => s.kind);
  return kinds.filter((k) => existsSync(join(hostDir(lab.state.name, host), "etc/stacklab/service", k, "run")));
}

export function requireService(lab: FaultLab, host: string, service: string): void {
  const known = hostServices(lab, host);
  if (!known.includes(service)) throw new UsageError(`${host} does not run a service "${service}"${suggest(service, known)}; its services: ${known.join(", ") || "none"}`);
}

export function serviceDown(lab: FaultLab, host: string, service: string): boolean {
  const stat = join(hostDir(lab.state.name, host), "etc/stacklab/service", service, "supervise/stat");
  return existsSync(stat) && readFileSync(stat, "utf8").trim() === "down";
}

// ---------------------------------------------------------------- bookkeeping

export type NewFault = ActiveFault extends infer F ? (F extends ActiveFault ? Omit<F, "id"> : never) : never;

let counter = 0;
export function addFault(lab: FaultLab, fault: NewFault): ActiveFault {
  const full = { ...fault, id: `f${Date.now().toString(36)}${(counter++).toString(36)}` } as ActiveFault;
  faults(lab).push(full);
  writeState(lab.state);
  return full;
}

export function dropFaults(lab: FaultLab, match: (f: ActiveFault) => boolean): ActiveFault[] {
  const all = faults(lab);
  const gone = all.filter(match);
  lab.state.faults = all.filter((f) => !match(f));
  writeState(lab.state);
  return gone;
}

export function result(lab: FaultLab, kind: "fault" | "heal", action: string, hosts: string[], at: number, message: string, data?: Record<string, unknown>): FaultResult {
  recordEvent(lab.state.name, { time: at, kind, host: hosts[0], message, source: lab.source ?? "cli", data: { action, hosts, ...data } });
  return { action, hosts, at, durationMs: Date.now() - at, message };
}

/** The faults in force in a lab. */
export function activeFaults(state: LabState): ActiveFault[] {
  return state.faults ?? [];
}
