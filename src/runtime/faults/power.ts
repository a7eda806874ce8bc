// Crash, clean stop and start of hosts and services, and waiting for them to be ready again.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../spec/errors.js";
import { setHostLinks } from "../network.js";
import { isAlive, writeState } from "../state.js";
import { killRecorded } from "../down.js";
import { launchHost, runInHost, SERVICE_DIR } from "../host.js";
import { hostDir } from "../paths.js";
import { labSecrets } from "../secrets.js";
import { READY_ORDER, SERVICES } from "../services/index.js";
import { NotReadyError, serviceLog, waitForProbe } from "../wait.js";
import { addFault, dropFaults, hostOf, hostServices, requireRunning, requireService, requireUp, result, serviceDown, type FaultLab, type FaultResult } from "./ledger.js";
import { applyPartitions } from "./network.js";

/** Crashes a host: SIGKILL to its init (the kernel then kills everything in its PID namespace) and its links down. */
export async function killHost(lab: FaultLab, host: string): Promise<FaultResult> {
  const h = requireUp(lab, host, "kill");
  const at = Date.now();
  // Addresses are kernel state of the namespace: without the links going down, a dead host would keep answering ARP.
  await Promise.all([Promise.resolve(killRecorded(h.init)), setHostLinks(lab.state.name, lab.model, host, false, hostOf(lab, host).links)]);
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
  const h = requireRunning(lab, host, "stop");
  const at = Date.now();
  const dirs = hostServices(lab, host).map((s) => `${SERVICE_DIR}/${s}`);
  if (dirs.length) await runInHost(h.init!.pid, ["sv", "-w", "20", "force-stop", ...dirs], { check: false, timeoutMs: 30_000 });
  killRecorded(h.init, "SIGTERM");
  const deadline = Date.now() + 2000;
  while (isAlive(h.init) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  killRecorded(h.init);
  await setHostLinks(lab.state.name, lab.model, host, false, hostOf(lab, host).links);
  dropFaults(lab, (f) => f.kind === "service" && f.host === host);
  addFault(lab, { kind: "down", how: "stop", host, at });
  return result(lab, "fault", "stop", [host], at, `shut ${host} down cleanly: services stopped, then the host, links down`);
}

async function waitServices(lab: FaultLab, host: string, only?: string[]): Promise<string[]> {
  const h = hostOf(lab, host);
  const mh = lab.model.hosts.find((x) => x.name === host)!;
  const root = hostDir(lab.state.name, host);
  const ctx = { lab: lab.state.name, model: lab.model, host: mh, root, secrets: labSecrets(lab.state.name) };
  const kinds = (only ?? hostServices(lab, host)).sort((a, b) => READY_ORDER.indexOf(a as never) - READY_ORDER.indexOf(b as never));
  const notReady: string[] = [];
  for (const kind of kinds) {
    const def = SERVICES[kind as keyof typeof SERVICES]!;
    try {
      await waitForProbe({ host, service: kind, initPid: h.init!.pid, probe: def.probe(ctx), timeoutMs: def.readyTimeoutMs, logFile: serviceLog(root, kind === "dns" ? "nsd" : kind) });
    } catch (err) {
      if (!(err instanceof NotReadyError)) throw err;
      notReady.push(`${kind} on ${host}: waited ${def.readyTimeoutMs / 1000} s for ${err.what}`);
    }
  }
  return notReady;
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
  // /run is a tmpfs on a real server: a boot starts with it empty, so no stale pid file stops a daemon.
  const runDir = join(hostDir(lab.state.name, host), "run");
  if (existsSync(runDir)) for (const entry of readdirSync(runDir)) rmSync(join(runDir, entry), { recursive: true, force: true });
  Object.assign(h, await launchHost(lab.state.name, host));
  writeState(lab.state);
  await setHostLinks(lab.state.name, lab.model, host, true, hostOf(lab, host).links);
  // The host's boot loads its own firewall (which may flush the ruleset): partitions go back once runsvdir runs.
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && readComm(h.init!.pid) !== "runsvdir") await new Promise((r) => setTimeout(r, 10));
  await applyPartitions(lab, [host]);
  dropFaults(lab, (f) => (f.kind === "down" || f.kind === "service" || f.kind === "pause") && f.host === host);
  const notReady = await waitServices(lab, host);
  return { ...result(lab, "heal", "start", [host], at, `started ${host} again (its files and data were kept)`), notReady };
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
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
