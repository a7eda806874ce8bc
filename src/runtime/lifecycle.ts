// The lifecycle of a host, in one place: create -> boot -> wait ready -> stop or crash -> boot again -> remove.
//
// Every command that makes, starts, stops or removes a host goes through here: `up`, `down`, `clean`, the
// power faults (`fault kill|stop|start|restart`), `scale`/`apply` and `maintain`. The rules it keeps:
//
// - Record before create. A host is written into the lab's state.json (its namespace's name) before its
//   namespace exists; its processes carry a mark (MARK_ENV) from the moment they are spawned, and are
//   recorded (pid and start time) as soon as they run. `down` and `clean` remove what the record and the marks
//   name, and nothing else.
// - A host is one process tree. Its init is PID 1 of its own PID namespace (killing it ends every process of the
//   host) and dies with its launcher (`unshare --kill-child`), so no half of a host can outlive the other.
// - Links go down with a crash: addresses are kernel state of the namespace, and a dead host must stop
//   answering ARP for the addresses it held.
// - Services are awaited in the order derived from their kinds' `after` (startOrder), each with its probe.
// - A sized host's memory limit holds from its first process; its CPU size from the moment its services are ready
//   (a boot is not what the scale model measures, and would otherwise take 1/size times longer).
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Host, Model } from "../model/types.js";
import { MARK_ENV, launchHost, prepareHostDir, runInHost, SERVICE_DIR, type HostFile } from "./host.js";
import { addHostNetwork, createNetwork, deleteNamespaces, listStacklabNamespaces, setHostLinks } from "./network.js";
import { hostDir, hostNetns, labDir, labOfNetns, NETNS_PREFIX, stateRoot } from "./paths.js";
import type { Secrets } from "./secrets.js";
import { logName, SERVICES, startOrder } from "./services/index.js";
import type { ServiceContext } from "./services/types.js";
import { isAlive, procRecord, writeState, type HostState, type LabState, type ProcRecord } from "./state.js";
import { loadFactor, NotReadyError, serviceLog, waitForProbe } from "./wait.js";
import { UsageError } from "../spec/errors.js";
import { sshProbe } from "./ssh.js";
import { cgroupMode, createHostCgroup, hostCpuLimit, limitHostCpu, removeHostCgroup, removeLabCgroups } from "./cgroups.js";

// ---------------------------------------------------------------- create

/** Refuses to create a namespace that exists already: it belongs to another lab (or to something else). */
export async function refuseExistingNamespaces(names: string[]): Promise<void> {
  const existing = new Set(await listStacklabNamespaces(NETNS_PREFIX));
  const clash = names.filter((n) => existing.has(n));
  if (clash.length)
    throw new UsageError(
      `network namespace${clash.length > 1 ? "s" : ""} ${clash.join(", ")} already exist${clash.length > 1 ? "" : "s"} and ${clash.length > 1 ? "are" : "is"} not this lab's; pick another --name, or remove a leftover with \`stacklab clean --dry-run\` first`,
    );
}

/** Creates every host of a new lab: their trees and files, then the namespaces and links (already in the record). */
export async function createHosts(state: LabState, model: Model, files: Map<string, HostFile[]>): Promise<void> {
  const lap = timingsLap("create");
  for (const h of model.hosts) prepareHostDir(state.name, h.name, files.get(h.name) ?? []);
  lap("trees written");
  const ports = await createNetwork(state.name, model);
  lap("network created");
  for (const h of state.hosts) h.links = ports.get(h.name) ?? [];
  writeState(state);
}

/** Adds one host to a running lab (`scale`, `apply`): recorded first, then its tree, namespace and links. */
export async function addHost(state: LabState, host: Host, files: HostFile[]): Promise<HostState> {
  if (state.hosts.some((h) => h.name === host.name)) throw new Error(`${host.name} is already in lab ${state.name}`);
  await refuseExistingNamespaces([hostNetns(state.name, host.name)]);
  const used = state.hosts.flatMap((h) => h.links);
  const record: HostState = { name: host.name, netns: hostNetns(state.name, host.name), links: [] };
  state.hosts.push(record);
  writeState(state);
  prepareHostDir(state.name, host.name, files);
  record.links = await addHostNetwork(state.name, host, used);
  writeState(state);
  return record;
}

// ---------------------------------------------------------------- boot

/** Boots every host of a new lab at once and records them all with one write of the lab's record (also when one fails). */
export async function bootAll(state: LabState, model: Model): Promise<void> {
  try {
    await Promise.all(model.hosts.map((h) => bootHost(state, model, h.name, { firstBoot: true, record: false })));
  } finally {
    writeState(state);
  }
}

/**
 * Boots a host from its tree: a fresh /run (a tmpfs on a real server), its init launched and recorded, its links up
 * (`firstBoot`: a host just created, whose links are up since its creation, and whose /run holds what `prepare` made).
 * Used for the first boot and for every boot after a crash or a clean stop.
 */
export async function bootHost(state: LabState, model: Model, host: string, opts: { firstBoot?: boolean; record?: boolean } = {}): Promise<HostState> {
  const h = state.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`${host} is not in lab ${state.name}'s record`);
  if (isAlive(h.init)) throw new UsageError(`${host} is already up`);
  // (At the first boot /run holds only what the service kinds' `prepare` made for it.)
  const runDir = join(hostDir(state.name, host), "run");
  if (!opts.firstBoot && existsSync(runDir)) for (const entry of readdirSync(runDir)) rmSync(join(runDir, entry), { recursive: true, force: true });
  // Every host gets a cgroup: with its memory limit when it has a size (its CPU size comes once it is ready, in
  // waitReady), and for the kernel's accounting of its CPU and memory in any case (a sized design on a machine
  // without cgroups was refused before).
  const size = model.hosts.find((x) => x.name === host)?.size;
  let cgroupProcs: string[] = [];
  try {
    cgroupProcs = createHostCgroup(state.name, host, size);
  } catch (err) {
    if (size) throw err;
  }
  // Rootless, the host's cgroup is also the root of a cgroup namespace of its own, where the host may mount its
  // cgroups (the size reporter reads its accounting there); as root it mounts the machine's hierarchies.
  const mode = cgroupMode();
  const cgroupNamespace = cgroupProcs.length > 0 && mode.version !== 0 && mode.delegatedTo !== undefined;
  Object.assign(h, await launchHost(state.name, host, { cgroupProcs, cgroupNamespace }));
  // `record: false`: the caller boots many hosts at once and writes the record once they are launched (each write
  // is two fsyncs that stop this process); a host launched but not yet recorded is found by its mark meanwhile.
  if (opts.record !== false) writeState(state);
  // At the first boot the links are up already (createNetwork and addHostNetwork leave both ends up); after a
  // crash or a stop they were taken down and come back up with the host.
  if (h.links.length && !opts.firstBoot) await setHostLinks(state.name, model, host, true, h.links);
  return h;
}

/** Waits until the host's init has exec'd its supervisor (runsvdir): the host's boot script, firewall included, has run. */
export async function waitBooted(h: HostState, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && readComm(h.init!.pid) !== "runsvdir") await new Promise((r) => setTimeout(r, 10));
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------- ready

export interface ReadyOptions {
  /** Only these kinds (default: every kind the model runs on the host). */
  only?: string[];
  /** Kinds not awaited (e.g. keepalived on a host joining a pair). */
  skip?: string[];
  /** Multiplies every readiness timeout (big labs on 2 cores). */
  timeoutFactor?: number;
  /** Longest pause between two probes of one service. */
  maxIntervalMs?: number;
  signal?: AbortSignal;
  /** Collect the services that did not become ready instead of throwing at the first. */
  collect?: boolean;
}

/** The context a service kind's functions get for one host of a lab. */
export function serviceContext(lab: string, model: Model, host: string, secrets: Secrets, specDir?: string): ServiceContext {
  const h = model.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`${host} is not in lab ${lab}'s model`);
  return { lab, model, host: h, root: hostDir(lab, host), secrets, ...(specDir ? { specDir } : {}) };
}

/** The kinds stacklab runs on a host, in start order. */
export function hostKinds(model: Model, host: string): string[] {
  return startOrder(model.services.filter((s) => s.host === host && SERVICES[s.kind]).map((s) => s.kind as string));
}

/**
 * Waits for a host's services in start order, each until its probe answers. Throws NotReadyError (saying what was
 * awaited, for how long, and the end of the service's log) or, with `collect`, returns one line per service that
 * did not become ready.
 */
export async function waitReady(state: LabState, model: Model, host: string, secrets: Secrets, opts: ReadyOptions = {}): Promise<string[]> {
  const h = state.hosts.find((x) => x.name === host);
  if (!isAlive(h?.init)) throw new Error(`${host} is not running`);
  const ctx = serviceContext(state.name, model, host, secrets);
  const kinds = startOrder((opts.only ?? hostKinds(model, host)).filter((k) => !opts.skip?.includes(k)));
  const notReady: string[] = [];
  // A sized host boots on the machine's CPU and gets its CPU size once its services are ready (below); a service
  // started again later (a fault healed, a reload) starts under the size, as on a small server: slower.
  const cpu = hostCpuLimit(state.name, host) ?? 1;
  const busy = loadFactor();
  for (const kind of kinds) {
    const def = SERVICES[kind as keyof typeof SERVICES];
    if (!def) continue;
    const timeoutMs = Math.round((def.readyTimeoutMs * (opts.timeoutFactor ?? 1) * busy) / Math.min(1, cpu));
    try {
      const waited = await waitForProbe({
        host,
        service: kind,
        initPid: h!.init!.pid,
        probe: def.probe(ctx),
        timeoutMs,
        logFile: serviceLog(ctx.root, logName(kind)),
        ...(opts.maxIntervalMs ? { maxIntervalMs: opts.maxIntervalMs } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (process.env.STACKLAB_TIMINGS === "1") process.stderr.write(`[timings]     ${host} ${kind} ready, waited ${waited} ms\n`);
    } catch (err) {
      if (!opts.collect || !(err instanceof NotReadyError)) throw err;
      notReady.push(`${kind} on ${host}: waited ${Math.round(timeoutMs / 1000)} s for ${err.what}`);
    }
  }
  // From here on the host runs as a server of its size (a no-op when it has none, or has it already).
  limitHostCpu(state.name, host, ctx.host.size);
  return notReady;
}

// ---------------------------------------------------------------- stop and crash

/** Waits for a bare host's SSH server (`up --bare`), the only service it has before it is provisioned. */
export async function waitSshReady(state: LabState, host: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const h = state.hosts.find((x) => x.name === host);
  if (!isAlive(h?.init)) throw new Error(`${host} is not running`);
  await waitForProbe({
    host,
    service: "sshd",
    initPid: h!.init!.pid,
    probe: sshProbe(),
    timeoutMs: opts.timeoutMs ?? 10_000,
    logFile: serviceLog(hostDir(state.name, host), "sshd"),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** Crashes a host: SIGKILL to its init (the kernel then kills every process in its PID namespace), links down at the same moment. */
export async function crashHost(state: LabState, model: Model, host: string): Promise<void> {
  const h = recorded(state, host);
  await Promise.all([Promise.resolve(killRecorded(h.init)), setHostLinks(state.name, model, host, false, h.links)]);
  await waitGone([h.init, h.launcher].filter((p): p is ProcRecord => p !== undefined));
}

/** Shuts a host down cleanly: every service stopped through runit (TERM, KILL after 20 s), then its init, then its links. */
export async function stopHost(state: LabState, model: Model, host: string): Promise<void> {
  const h = recorded(state, host);
  const dirs = [...hostKinds(model, host).reverse(), ...(state.bare ? ["sshd"] : [])].map((s) => `${SERVICE_DIR}/${s}`);
  if (dirs.length && isAlive(h.init)) await runInHost(h.init!.pid, ["sv", "-w", "20", "force-stop", ...dirs], { check: false, timeoutMs: 30_000 });
  killRecorded(h.init, "SIGTERM");
  await waitGone(
    [h.init].filter((p): p is ProcRecord => p !== undefined),
    2000,
  );
  killRecorded(h.init);
  await setHostLinks(state.name, model, host, false, h.links);
}

// ---------------------------------------------------------------- remove

/** Removes one host from a running lab: its processes, its namespace (and with it its links), its tree, its record. */
export async function removeHost(state: LabState, host: string): Promise<void> {
  const h = recorded(state, host);
  const procs = [h.init, h.launcher].filter((p): p is ProcRecord => p !== undefined);
  for (const p of procs) killRecorded(p);
  killMarked(markedProcesses(hostDir(state.name, host)));
  await waitGone(procs);
  await deleteNamespaces([h.netns]);
  await removeHostCgroup(state.name, host);
  rmSync(hostDir(state.name, host), { recursive: true, force: true });
  state.hosts = state.hosts.filter((x) => x.name !== host);
  writeState(state);
}

/**
 * Removes a whole lab from its record: every recorded process and every process carrying one of its hosts'
 * marks, then its namespaces (which removes every link), then its folder. Works on a record of any version.
 */
export async function removeLab(state: Pick<LabState, "name" | "hosts" | "switchNetns" | "extra">): Promise<void> {
  const lap = timingsLap("down");
  const procs = [...state.extra, ...state.hosts.flatMap((h) => [h.init, h.launcher].filter((p): p is ProcRecord => p !== undefined))];
  for (const p of procs) killRecorded(p);
  // A host's processes end with its init. The marks are looked for once the recorded processes are gone: reading
  // a dying process's environment waits for its memory to be torn down, so a search among hundreds of dying
  // processes takes many times longer than one after them (what it finds then is what no record named).
  await waitGone(procs);
  lap(`${procs.length} recorded processes killed and gone`);
  const marked = markedProcesses(labDir(state.name));
  killMarked(marked);
  await waitGone(marked);
  lap(`${marked.length} more processes found by their mark, killed and gone`);
  await deleteNamespaces([...state.hosts.map((h) => h.netns), state.switchNetns]);
  lap("namespaces deleted");
  await removeLabCgroups(state.name);
  lap("cgroups removed");
  // Removed before `down` returns: "nothing left" includes the disk (a detached rm would outlive the command).
  await removeTree(labDir(state.name));
  lap("folder removed");
}

/**
 * Removes a folder and everything in it. Its subfolders go at once, side by side: freeing a file's blocks waits on
 * the file system's journal (the etcd members' preallocated logs, the databases' files), and removals made
 * together share those waits instead of queueing behind each other.
 */
async function removeTree(dir: string): Promise<void> {
  const parts = (d: string): string[] => {
    try {
      return readdirSync(d, { withFileTypes: true }).map((e) => join(d, e.name));
    } catch {
      return [];
    }
  };
  // the hosts' data folders (var/lib/etcd, var/lib/mysql...) side by side, then the rest of each host, then the lab's
  const hosts = parts(join(dir, "hosts"));
  await Promise.all(hosts.flatMap((h) => parts(join(h, "var/lib"))).map((p) => rm(p, { recursive: true, force: true })));
  await Promise.all(hosts.map((h) => rm(h, { recursive: true, force: true })));
  rmSync(dir, { recursive: true, force: true });
}

/** STACKLAB_TIMINGS=1: a function that prints the time since its last call on stderr (a no-op otherwise). */
function timingsLap(what: string): (step: string) => void {
  if (process.env.STACKLAB_TIMINGS !== "1") return () => undefined;
  let t = performance.now();
  return (step) => {
    const now = performance.now();
    process.stderr.write(`[timings] ${what}: ${step}: ${Math.round(now - t)} ms\n`);
    t = now;
  };
}

/** Namespaces named like a host or switch of `lab` (left by an `up` that died before recording every name). */
export async function namespacesOf(lab: string): Promise<string[]> {
  return (await listStacklabNamespaces(NETNS_PREFIX)).filter((n) => labOfNetns(n) === lab);
}

// ---------------------------------------------------------------- processes

/** Sends a signal (SIGKILL by default) to a recorded process if it is still the same process. */
export function killRecorded(proc: ProcRecord | undefined, signal: NodeJS.Signals = "SIGKILL"): boolean {
  if (!proc || !isAlive(proc)) return false;
  try {
    process.kill(proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) until none of the processes runs any more. */
export async function waitGone(procs: ProcRecord[], timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (procs.some(isAlive) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/** A process found by stacklab's mark, with the mark's value. */
export interface MarkedProcess extends ProcRecord {
  mark: string;
  comm: string;
}

/**
 * Processes of this machine whose environment carries stacklab's host mark under `prefix` (a host's folder, a
 * lab's hosts folder, or the whole state root): stacklab's own, found without their namespace or any record.
 */
export function markedProcesses(prefix: string = join(stateRoot(), "labs") + "/"): MarkedProcess[] {
  const want = `${MARK_ENV}=`;
  const out: MarkedProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      const mark = env.find((v) => v.startsWith(want))?.slice(want.length);
      const base = prefix.replace(/\/+$/, "");
      if (mark === undefined || !(mark === base || mark.startsWith(`${base}/`))) continue;
      const record = procRecord(Number(entry));
      out.push({ ...record, mark, comm: readComm(record.pid) });
    } catch {
      // gone while we looked, or a kernel thread
    }
  }
  return out;
}

function killMarked(procs: ProcRecord[]): void {
  for (const p of procs) killRecorded(p);
}

function recorded(state: LabState, host: string): HostState {
  const h = state.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`${host} is not in lab ${state.name}'s record`);
  return h;
}
