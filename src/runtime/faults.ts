// Faults on hosts. A crash kills every process of the host through its init and takes its links down at the same instant.
import { setHostLinks } from "./network.js";
import type { Model } from "../model/types.js";
import { isAlive, writeState, type LabState } from "./state.js";
import { killRecorded } from "./down.js";
import { UsageError } from "../spec/errors.js";
import { recordEvent } from "./events.js";

/** Crashes a host: SIGKILL to its init (the kernel then kills everything in its PID namespace) and its links down. */
export async function killHost(state: LabState, model: Model, host: string): Promise<{ at: number }> {
  const h = state.hosts.find((x) => x.name === host);
  if (!h) throw new UsageError(`no host "${host}" in lab ${state.name}; hosts: ${state.hosts.map((x) => x.name).join(", ")}`);
  if (!isAlive(h.init)) throw new UsageError(`host ${host} is already down`);
  const at = Date.now();
  // Addresses are kernel state of the namespace: without the links going down, a dead host would keep answering ARP.
  await Promise.all([Promise.resolve(killRecorded(h.init)), setHostLinks(state.name, model, host, false)]);
  writeState(state);
  recordEvent(state.name, { time: at, kind: "fault", host, message: `crashed ${host}: every process killed, links down`, source: "cli" });
  return { at };
}
