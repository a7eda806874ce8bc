// Crash, clean stop and start of hosts and services, and waiting for them to be ready again: the fault side of
// the host lifecycle (src/runtime/lifecycle.ts does the work; this file keeps the fault ledger).
import { UsageError } from "../../spec/errors.js";
import { isAlive } from "../state.js";
import { bootHost, crashHost, stopHost as shutDown, waitBooted, waitReady } from "../lifecycle.js";
import { runInHost, SERVICE_DIR } from "../host.js";
import { labSecrets } from "../secrets.js";
import { addFault, dropFaults, hostOf, hostServices, requireRunning, requireService, requireUp, result, serviceDown, type FaultLab, type FaultResult } from "./ledger.js";
import { applyPartitions } from "./network.js";

/** Crashes a host: SIGKILL to its init (the kernel then kills everything in its PID namespace) and its links down. */
export async function killHost(lab: FaultLab, host: string): Promise<FaultResult> {
  requireUp(lab, host, "kill");
  const at = Date.now();
  await crashHost(lab.state, lab.model, host);
  dropFaults(lab, (f) => (f.kind === "pause" || f.kind === "service") && f.host === host);
  addFault(lab, { kind: "down", how: "kill", host, at });
  return result(lab, "fault", "kill", [host], at, `crashed ${host}: every process killed, links down`);
}

/** Stops one service cleanly (runit `d`: TERM, then KILL after 20 s). */
export async function stopService(lab: FaultLab, host: string, service: string): Promise<FaultResult> {
  const h = requireRunning(lab, host, "stop a service on");
  requireService(lab, host, service);
  if (serviceDown(lab, host, service)) throw new UsageError(`${service} on ${host} is already stopped; start it with \`stacklab fault start ${host} ${service}\``);
  const at = Date.now();
  await runInHost(h.init!.pid, ["sv", "-w", "20", "force-stop", `${SERVICE_DIR}/${service}`], { check: false, timeoutMs: 30_000 });
  addFault(lab, { kind: "service", host, service, at });
  return result(lab, "fault", "stop", [host], at, `stopped ${service} on ${host}`, { service });
}

/** Shuts a host down cleanly: every service stopped through runit, then its init, then its links. */
export async function stopHost(lab: FaultLab, host: string): Promise<FaultResult> {
  requireRunning(lab, host, "stop");
  const at = Date.now();
  await shutDown(lab.state, lab.model, host);
  dropFaults(lab, (f) => f.kind === "service" && f.host === host);
  addFault(lab, { kind: "down", how: "stop", host, at });
  return result(lab, "fault", "stop", [host], at, `shut ${host} down cleanly: services stopped, then the host, links down`);
}

async function waitServices(lab: FaultLab, host: string, only?: string[]): Promise<string[]> {
  return waitReady(lab.state, lab.model, host, labSecrets(lab.state.name), { ...(only ? { only } : { only: hostServices(lab, host) }), collect: true });
}

/** Starts a stopped service again (runit `u`) and waits until it answers its readiness probe. */
export async function startService(lab: FaultLab, host: string, service: string): Promise<FaultResult> {
  const h = requireRunning(lab, host, "start a service on");
  requireService(lab, host, service);
  if (!serviceDown(lab, host, service)) throw new UsageError(`${service} on ${host} is already running`);
  const at = Date.now();
  await runInHost(h.init!.pid, ["sv", "u", `${SERVICE_DIR}/${service}`], { check: false, timeoutMs: 10_000 });
  const notReady = await waitServices(lab, host, [service]);
  dropFaults(lab, (f) => f.kind === "service" && f.host === host && f.service === service);
  return { ...result(lab, "heal", "start", [host], at, `started ${service} on ${host}`, { service }), notReady };
}

/** Boots a killed or stopped host again from its files on disk: new init, links up, faults on its network re-applied. */
export async function startHost(lab: FaultLab, host: string): Promise<FaultResult> {
  const h = hostOf(lab, host);
  if (isAlive(h.init)) throw new UsageError(`${host} is already up`);
  const at = Date.now();
  await bootHost(lab.state, lab.model, host);
  // The host's boot loads its own firewall (which may flush the ruleset): partitions go back once runsvdir runs.
  await waitBooted(h);
  await applyPartitions(lab, [host]);
  dropFaults(lab, (f) => (f.kind === "down" || f.kind === "service" || f.kind === "pause") && f.host === host);
  const notReady = await waitServices(lab, host);
  return { ...result(lab, "heal", "start", [host], at, `started ${host} again (its files and data were kept)`), notReady };
}

/** Restarts a service (runit: stop, then start) or a whole host (clean shutdown, then boot). */
export async function restart(lab: FaultLab, host: string, service?: string): Promise<FaultResult[]> {
  if (service) {
    requireRunning(lab, host, "restart a service on");
    requireService(lab, host, service);
    const down = serviceDown(lab, host, service) ? [] : [await stopService(lab, host, service)];
    return [...down, await startService(lab, host, service)];
  }
  requireRunning(lab, host, "restart");
  return [await stopHost(lab, host), await startHost(lab, host)];
}
