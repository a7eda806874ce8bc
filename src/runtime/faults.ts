// Faults on a running lab (crash, clean stop and start, partition, link delay and loss, pause) and their undoing.
// Every fault is checked before anything is touched, recorded in the lab's state (so `heal` knows what to
// undo) and in its event log with the time it happened.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { distance } from "fastest-levenshtein";
import type { Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { setHostLinks } from "./network.js";
import { isAlive, writeState, type HostState, type LabState, type ProcRecord } from "./state.js";
import { killRecorded } from "./down.js";
import { recordEvent } from "./events.js";
import { run } from "./exec.js";
import { launchHost, runInHost, SERVICE_DIR } from "./host.js";
import { hostDir } from "./paths.js";
import { labSecrets } from "./secrets.js";
import { READY_ORDER, SERVICES } from "./services/index.js";
import { NotReadyError, serviceLog, waitForProbe } from "./wait.js";
import { startDelayQueue, stopDelayQueue, type LinkImpairment } from "../experiment/delay-queue.js";

/** A fault in force, kept in the lab's state until healed. */
export type ActiveFault =
  | { id: string; kind: "down"; how: "kill" | "stop"; host: string; at: number }
  | { id: string; kind: "service"; host: string; service: string; at: number }
  | { id: string; kind: "partition"; hosts: string[]; from: string[]; at: number }
  | ({ id: string; kind: "netem"; host: string; links: string[]; via: "tc" | "queue"; proc?: ProcRecord; at: number } & LinkImpairment)
  | { id: string; kind: "pause"; host: string; at: number };

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

/** True when the host's init runs. */
export function hostUp(lab: FaultLab, name: string): boolean {
  return isAlive(hostOf(lab, name).init);
}

function faults(lab: FaultLab): ActiveFault[] {
  return (lab.state.faults ??= []);
}

function pausedFault(lab: FaultLab, host: string): ActiveFault | undefined {
  return faults(lab).find((f) => f.kind === "pause" && f.host === host);
}

function requireUp(lab: FaultLab, host: string, doing: string): HostState {
  const h = hostOf(lab, host);
  if (!isAlive(h.init)) throw new UsageError(`cannot ${doing} ${host}: the host is down; start it with \`stacklab fault start ${host}\` (or \`fault heal ${host}\`)`);
  return h;
}

function requireRunning(lab: FaultLab, host: string, doing: string): HostState {
  const h = requireUp(lab, host, doing);
  if (pausedFault(lab, host)) throw new UsageError(`cannot ${doing} ${host}: the host is paused; resume it with \`stacklab fault heal ${host}\``);
  return h;
}

/** Services runit supervises on a host (the kinds this stacklab version runs there). */
export function hostServices(lab: FaultLab, host: string): string[] {
  const kinds = lab.model.services.filter((s) => s.host === host && SERVICES[s.kind]).map((s) => s.kind);
  return kinds.filter((k) => existsSync(join(hostDir(lab.state.name, host), "etc/stacklab/service", k, "run")));
}

function requireService(lab: FaultLab, host: string, service: string): void {
  const known = hostServices(lab, host);
  if (!known.includes(service)) throw new UsageError(`${host} does not run a service "${service}"${suggest(service, known)}; its services: ${known.join(", ") || "none"}`);
}

function serviceDown(lab: FaultLab, host: string, service: string): boolean {
  const stat = join(hostDir(lab.state.name, host), "etc/stacklab/service", service, "supervise/stat");
  return existsSync(stat) && readFileSync(stat, "utf8").trim() === "down";
}

// ---------------------------------------------------------------- bookkeeping

type NewFault = ActiveFault extends infer F ? (F extends ActiveFault ? Omit<F, "id"> : never) : never;

let counter = 0;
function addFault(lab: FaultLab, fault: NewFault): ActiveFault {
  const full = { ...fault, id: `f${Date.now().toString(36)}${(counter++).toString(36)}` } as ActiveFault;
  faults(lab).push(full);
  writeState(lab.state);
  return full;
}

function dropFaults(lab: FaultLab, match: (f: ActiveFault) => boolean): ActiveFault[] {
  const all = faults(lab);
  const gone = all.filter(match);
  lab.state.faults = all.filter((f) => !match(f));
  writeState(lab.state);
  return gone;
}

function result(lab: FaultLab, kind: "fault" | "heal", action: string, hosts: string[], at: number, message: string, data?: Record<string, unknown>): FaultResult {
  recordEvent(lab.state.name, { time: at, kind, host: hosts[0], message, source: lab.source ?? "cli", data: { action, hosts, ...data } });
  return { action, hosts, at, durationMs: Date.now() - at, message };
}

/** The faults in force in a lab. */
export function activeFaults(state: LabState): ActiveFault[] {
  return state.faults ?? [];
}

// ---------------------------------------------------------------- crash, stop, start

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

// ---------------------------------------------------------------- partition

function addresses(model: Model, host: string): string[] {
  return model.hosts.find((h) => h.name === host)?.interfaces.map((i) => i.address) ?? [];
}

/** The fault table of one host: drops traffic to and from every host it is cut off from (an empty table is deleted). */
export function partitionRuleset(model: Model, active: readonly ActiveFault[], host: string): string {
  const blocked = new Set<string>();
  for (const f of active) {
    if (f.kind !== "partition") continue;
    const other = f.hosts.includes(host) ? f.from : f.from.includes(host) ? f.hosts : [];
    for (const o of other) for (const a of addresses(model, o)) blocked.add(a);
  }
  const lines = [`table inet ${FAULT_TABLE}`, `delete table inet ${FAULT_TABLE}`];
  if (blocked.size) {
    const set = [...blocked].sort().join(", ");
    lines.push(
      `table inet ${FAULT_TABLE} {`,
      `  chain input {`,
      `    type filter hook input priority filter - 10; policy accept;`,
      `    ip saddr { ${set} } counter drop comment "stacklab fault: partition"`,
      `  }`,
      `  chain output {`,
      `    type filter hook output priority filter - 10; policy accept;`,
      `    ip daddr { ${set} } counter drop comment "stacklab fault: partition"`,
      `  }`,
      `}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

async function applyPartitions(lab: FaultLab, hosts: string[]): Promise<void> {
  await Promise.all(
    hosts.map((host) => run(["ip", "netns", "exec", hostOf(lab, host).netns, "nft", "-f", "-"], { input: partitionRuleset(lab.model, faults(lab), host) })),
  );
}

/** Cuts a group of hosts off from others (every other host by default), both directions, with nftables in each host's namespace. */
export async function partition(lab: FaultLab, hosts: string[], from?: string[]): Promise<FaultResult> {
  if (!hosts.length) throw new UsageError("name at least one host to cut off");
  const group = [...new Set(hosts)];
  for (const h of [...group, ...(from ?? [])]) hostOf(lab, h);
  const others = [...new Set(from ?? lab.state.hosts.map((h) => h.name))].filter((h) => !group.includes(h));
  if (!others.length) throw new UsageError(`nothing to cut ${group.join(", ")} off from: --from names only the same hosts`);
  const at = Date.now();
  addFault(lab, { kind: "partition", hosts: group, from: others, at });
  await applyPartitions(lab, [...group, ...others]);
  return result(lab, "fault", "partition", group, at, `cut ${group.join(", ")} off from ${from ? others.join(", ") : "every other host"} (both directions)`, { from: others });
}

// ---------------------------------------------------------------- delay and loss

let netemInKernel: boolean | undefined;

async function tcNetem(netns: string, ifname: string, imp: LinkImpairment): Promise<boolean> {
  if (netemInKernel === false) return false;
  const args = ["ip", "netns", "exec", netns, "tc", "qdisc", "replace", "dev", ifname, "root", "netem"];
  if (imp.delayMs || imp.jitterMs) args.push("delay", `${imp.delayMs}ms`, ...(imp.jitterMs ? [`${imp.jitterMs}ms`] : []));
  if (imp.lossPct) args.push("loss", `${imp.lossPct}%`);
  const r = await run(args, { check: false });
  if (r.code === 0) return (netemInKernel = true);
  if (/unknown/i.test(r.stderr)) return (netemInKernel = false);
  throw new Error(`tc netem on ${ifname} failed: ${r.stderr.trim()}`);
}

async function undoNetem(lab: FaultLab, f: Extract<ActiveFault, { kind: "netem" }>): Promise<void> {
  const netns = hostOf(lab, f.host).netns;
  if (f.via === "tc") await Promise.all(f.links.map((l) => run(["ip", "netns", "exec", netns, "tc", "qdisc", "del", "dev", l, "root"], { check: false })));
  else await stopDelayQueue(lab.state.name, f.host, netns, f.links, f.proc);
  if (f.proc) lab.state.extra = lab.state.extra.filter((p) => p.pid !== f.proc!.pid);
}

/** Rejects delay, jitter and loss values that make no sense. */
export function checkImpairment(imp: LinkImpairment): void {
  if (!(imp.delayMs >= 0 && imp.delayMs <= 10_000)) throw new UsageError(`delay must be between 0 and 10 s; got ${imp.delayMs} ms`);
  if (!(imp.jitterMs >= 0 && imp.jitterMs <= imp.delayMs)) throw new UsageError(`jitter must be between 0 and the delay (${imp.delayMs} ms); got ${imp.jitterMs} ms`);
  if (!(imp.lossPct >= 0 && imp.lossPct <= 100)) throw new UsageError(`loss must be between 0% and 100%; got ${imp.lossPct}%`);
  if (!imp.delayMs && !imp.lossPct) throw new UsageError("give a delay or a loss (or both)");
}

/** Delays (with jitter) and drops a share of the packets a host sends on its links: netem, or a userspace queue where the kernel lacks it. */
export async function netem(lab: FaultLab, host: string, imp: LinkImpairment, link?: string): Promise<FaultResult> {
  const h = hostOf(lab, host);
  const mh = lab.model.hosts.find((x) => x.name === host)!;
  const links = mh.interfaces.filter((i) => !link || i.ifname === link || i.network === link).map((i) => i.ifname);
  if (!links.length) throw new UsageError(`${host} has no link "${link}"; its links: ${mh.interfaces.map((i) => `${i.ifname} (${i.network})`).join(", ")}`);
  checkImpairment(imp);
  const at = Date.now();
  for (const old of dropFaults(lab, (f) => f.kind === "netem" && f.host === host)) await undoNetem(lab, old as Extract<ActiveFault, { kind: "netem" }>);
  let via: "tc" | "queue" = "tc";
  for (const l of links) if (!(await tcNetem(h.netns, l, imp))) via = "queue";
  let proc: ProcRecord | undefined;
  if (via === "queue") {
    proc = await startDelayQueue(lab.state.name, host, h.netns, links, imp);
    lab.state.extra.push({ ...proc, what: `packet delayer for ${host}` });
  }
  addFault(lab, { kind: "netem", host, links, via, ...(proc ? { proc } : {}), ...imp, at });
  const what = [imp.delayMs ? `${imp.delayMs} ms delay${imp.jitterMs ? ` ± ${imp.jitterMs} ms` : ""}` : "", imp.lossPct ? `${imp.lossPct}% loss` : ""].filter(Boolean).join(", ");
  return result(lab, "fault", "netem", [host], at, `${what} on what ${host} sends over ${links.join(", ")}${via === "queue" ? " (userspace queue: this kernel has no netem)" : ""}`, { ...imp, links });
}

// ---------------------------------------------------------------- pause

/** Every process in the PID namespace of a host's init. */
export function namespacePids(initPid: number): number[] {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${initPid}/ns/pid`);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === ns) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function signalHost(initPid: number, signal: "SIGSTOP" | "SIGCONT"): number {
  const done = new Set<number>();
  // Rounds until no new process appears: a supervisor may fork between the scan and the signal.
  for (let round = 0; round < 10; round++) {
    const fresh = namespacePids(initPid).filter((p) => !done.has(p));
    if (!fresh.length) break;
    for (const p of fresh) {
      try {
        process.kill(p, signal);
      } catch {
        // exited meanwhile
      }
      done.add(p);
    }
  }
  return done.size;
}

/** Freezes every process of a host (SIGSTOP): a hung server whose network still answers. */
export async function pauseHost(lab: FaultLab, host: string): Promise<FaultResult> {
  const h = requireUp(lab, host, "pause");
  if (pausedFault(lab, host)) throw new UsageError(`${host} is already paused`);
  const at = Date.now();
  const n = signalHost(h.init!.pid, "SIGSTOP");
  addFault(lab, { kind: "pause", host, at });
  return result(lab, "fault", "pause", [host], at, `paused ${host}: ${n} processes stopped (SIGSTOP)`);
}

// ---------------------------------------------------------------- heal

function involves(f: ActiveFault, host: string): boolean {
  return f.kind === "partition" ? f.hosts.includes(host) || f.from.includes(host) : f.host === host;
}

/** Undoes faults (all, or those touching one host): resumes paused hosts, removes partitions and link faults, boots hosts that are down, starts stopped services. */
export async function heal(lab: FaultLab, host?: string): Promise<FaultResult[]> {
  if (host) hostOf(lab, host);
  const mine = (f: ActiveFault) => !host || involves(f, host);
  const out: FaultResult[] = [];
  for (const f of dropFaults(lab, (x) => x.kind === "pause" && mine(x))) {
    const at = Date.now();
    const h = hostOf(lab, (f as { host: string }).host);
    const n = isAlive(h.init) ? signalHost(h.init!.pid, "SIGCONT") : 0;
    out.push(result(lab, "heal", "resume", [h.name], at, `resumed ${h.name}: ${n} processes continued (SIGCONT)`));
  }
  const parts = dropFaults(lab, (x) => x.kind === "partition" && mine(x)) as Extract<ActiveFault, { kind: "partition" }>[];
  if (parts.length) {
    const at = Date.now();
    const touched = [...new Set(parts.flatMap((p) => [...p.hosts, ...p.from]))];
    await applyPartitions(lab, touched);
    for (const p of parts) out.push(result(lab, "heal", "unpartition", p.hosts, at, `reconnected ${p.hosts.join(", ")} with ${p.from.join(", ")}`));
  }
  for (const f of dropFaults(lab, (x) => x.kind === "netem" && mine(x)) as Extract<ActiveFault, { kind: "netem" }>[]) {
    const at = Date.now();
    await undoNetem(lab, f);
    writeState(lab.state);
    out.push(result(lab, "heal", "unnetem", [f.host], at, `removed delay and loss on ${f.host}`));
  }
  const down = lab.state.hosts.filter((h) => (!host || h.name === host) && !isAlive(h.init)).map((h) => h.name);
  out.push(...(await Promise.all(down.map((h) => startHost(lab, h)))));
  const services = faults(lab).filter((x): x is Extract<ActiveFault, { kind: "service" }> => x.kind === "service" && mine(x));
  for (const s of services) {
    if (serviceDown(lab, s.host, s.service)) out.push(await startService(lab, s.host, s.service));
    else dropFaults(lab, (x) => x.id === s.id);
  }
  return out;
}
