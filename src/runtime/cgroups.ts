// Server sizes, enforced by the kernel: one cgroup per sized host, with a CPU quota and a memory limit, and the
// host's CPU time and memory read back from the cgroup's accounting (a host's /proc shows the whole machine).
//
// cgroup v2 where the unified hierarchy has the cpu and memory controllers, else the v1 controllers cpu, cpuacct
// and memory. As root, every stacklab cgroup lives under the cgroup stacklab itself runs in (so a lab stays inside
// any limit the machine puts on stacklab), at `<that>/stacklab/<lab>/<host>`. Rootless, a normal user cannot
// create cgroups there: the labs' cgroups live under the subtree an administrator delegated to the user once,
// `<hierarchy>/stacklab-users/<user>/<lab>/<host>` (see `delegation`); that folder is the whole difference.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { HostSize } from "../model/types.js";
import { labDir } from "./paths.js";
import { rootlessContext } from "./rootless/mode.js";

/**
 * CFS period: the quota is a share of it. 10 ms, not the kernel's 100 ms: with 100 ms a host of a quarter core runs
 * 25 ms then waits up to 75 ms, so every hop adds a pause no server of that size would make (measured: design 3 at
 * 0.25 core per server had p50 2 ms and p99 752 ms at half its CPU). A short period models a slower CPU instead.
 */
const PERIOD_US = 10_000;

/**
 * Where a lab's cgroups go: `base` (v2) or `cpu`, `cpuacct` and `memory` (v1) are the folders holding one folder
 * per lab. v2's `enable` lists the folders above a lab's whose cgroup.subtree_control must hand cpu and memory
 * down (the last one is `base`). `delegatedTo` names the user whose delegated subtree it is (rootless).
 */
export type CgroupMode =
  { version: 2; base: string; enable: string[]; delegatedTo?: string } | { version: 1; cpu: string; cpuacct: string; memory: string; delegatedTo?: string } | { version: 0; why: string };

interface Mount {
  point: string;
  fstype: string;
  options: string[];
}

function mounts(): Mount[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [left, right] = l.split(" - ");
      const f = left!.split(" ");
      const r = (right ?? "").split(" ");
      return { point: f[4]!, fstype: r[0]!, options: (r[2] ?? "").split(",") };
    });
}

/** This process's cgroup path per v1 controller, and its v2 path (key ""). */
function ownCgroups(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n").filter(Boolean)) {
    const [, controllers, path] = line.split(":") as [string, string, string];
    for (const c of controllers.split(",")) out.set(c, path);
  }
  return out;
}

/** The hierarchies sizes can use on this machine: where each is mounted, and this process's cgroup in it. */
export type Hierarchies =
  | { version: 2; mount: string; own: string }
  | { version: 1; cpu: { mount: string; own: string }; cpuacct: { mount: string; own: string }; memory: { mount: string; own: string } }
  | { version: 0; why: string };

/** The hierarchies of this machine, as this process sees them. */
export function hierarchies(): Hierarchies {
  try {
    const ms = mounts();
    const own = ownCgroups();
    const v2 = ms.find((m) => m.fstype === "cgroup2");
    if (v2) {
      const controllers = existsSync(join(v2.point, "cgroup.controllers")) ? readFileSync(join(v2.point, "cgroup.controllers"), "utf8").split(/\s+/) : [];
      if (controllers.includes("cpu") && controllers.includes("memory")) return { version: 2, mount: v2.point, own: own.get("") ?? "/" };
    }
    const v1 = (c: string) => {
      const m = ms.find((x) => x.fstype === "cgroup" && x.options.includes(c));
      return m ? { mount: m.point, own: own.get(c) ?? "/" } : undefined;
    };
    const [cpu, cpuacct, memory] = [v1("cpu"), v1("cpuacct"), v1("memory")];
    if (cpu && cpuacct && memory) return { version: 1, cpu, cpuacct, memory };
    return { version: 0, why: "neither cgroup v2 with the cpu and memory controllers nor the v1 cpu, cpuacct and memory controllers are mounted" };
  } catch (err) {
    return { version: 0, why: `cannot read this machine's cgroups (${(err as Error).message})` };
  }
}

/** The folder, under each hierarchy's root, an administrator delegates to a user for rootless labs. */
export const DELEGATED_FOLDER = "stacklab-users";

/** The mode of root's labs (under stacklab's own cgroup), or of a user's rootless labs (under the user's delegated subtree). */
export function modeFor(h: Hierarchies, user?: string): CgroupMode {
  if (h.version === 0) return h;
  if (h.version === 2) {
    if (user) {
      const base = join(h.mount, DELEGATED_FOLDER, user);
      return { version: 2, base, enable: [base], delegatedTo: user };
    }
    const own = join(h.mount, h.own);
    return { version: 2, base: join(own, "stacklab"), enable: [own, join(own, "stacklab")] };
  }
  const at = (x: { mount: string; own: string }) => (user ? join(x.mount, DELEGATED_FOLDER, user) : join(x.mount, x.own, "stacklab"));
  return { version: 1, cpu: at(h.cpu), cpuacct: at(h.cpuacct), memory: at(h.memory), ...(user ? { delegatedTo: user } : {}) };
}

let cached: CgroupMode | undefined;

/** Which cgroup version sizes use on this machine, and where (`doctor` reports it); rootless, the user's delegated subtree. */
export function cgroupMode(): CgroupMode {
  return (cached ??= modeFor(hierarchies(), rootlessContext()?.user));
}

/** The file in a lab's folder recording where its cgroups are. */
const RECORD = "cgroups.json";

/**
 * Where a lab's cgroups are: as recorded by the command that made its first one, else where this process would
 * make them. Root's labs live under the cgroup of the command that brought them up, and a later command may run
 * in another cgroup (another login's session scope under systemd; here, each shell of the machine's memory
 * hierarchy): without the record, `status` would not find a lab's accounting and `down` would leave its cgroups.
 */
export function labCgroupMode(lab: string): CgroupMode {
  const file = join(labDir(lab), RECORD);
  if (!existsSync(file)) return cgroupMode();
  try {
    return JSON.parse(readFileSync(file, "utf8")) as CgroupMode;
  } catch {
    return cgroupMode();
  }
}

/** Records where the lab's cgroups are made, before the first is made (kept until the lab's folder goes). */
function recordLabCgroupMode(lab: string): CgroupMode {
  const file = join(labDir(lab), RECORD);
  if (existsSync(file)) return labCgroupMode(lab);
  const mode = cgroupMode();
  if (mode.version !== 0) {
    mkdirSync(labDir(lab), { recursive: true });
    writeFileSync(file, `${JSON.stringify(mode)}\n`);
  }
  return mode;
}

/** The folders holding one folder per lab (one per v1 controller, or one in v2). */
function labsFolders(mode: CgroupMode): string[] {
  if (mode.version === 2) return [mode.base];
  if (mode.version === 1) return [...new Set([mode.cpu, mode.cpuacct, mode.memory])];
  return [];
}

/** What an administrator runs once to delegate a user's subtree, and what removes it again. */
export interface Delegation {
  user: string;
  /** The user's folders, one per hierarchy (v1: cpu, cpuacct and memory; v2: one). */
  folders: string[];
  /** The one command an administrator runs (as root) to grant it. */
  grant: string;
  /** The command that takes it back (once the user's labs are down). */
  revoke: string;
}

/**
 * The delegation a user's rootless sized labs need, as systemd's `Delegate=` grants it: a folder per hierarchy,
 * owned by the user (v1: the folder itself, so the user makes and owns every cgroup below it; v2: the folder with
 * cgroup.procs, cgroup.subtree_control and cgroup.threads, and cpu and memory enabled down to it). Undefined where
 * the machine has no usable cgroups.
 */
export function delegation(user: string, h: Hierarchies = hierarchies()): Delegation | undefined {
  const mode = modeFor(h, user);
  if (mode.version === 0 || h.version === 0) return undefined;
  const folders = labsFolders(mode);
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  const revoke = `rmdir ${folders.map(q).join(" ")}`;
  if (h.version === 1) return { user, folders, grant: `mkdir -p ${folders.map(q).join(" ")} && chown ${q(user)}: ${folders.map(q).join(" ")}`, revoke };
  const parent = join(h.mount, DELEGATED_FOLDER);
  const d = folders[0]!;
  const enable = (dir: string) => `echo +cpu +memory > ${join(dir, "cgroup.subtree_control")}`;
  const script = [
    `mkdir -p ${d}`,
    enable(h.mount),
    enable(parent),
    enable(d),
    `chown ${user}: ${d} ${["cgroup.procs", "cgroup.subtree_control", "cgroup.threads"].map((f) => join(d, f)).join(" ")}`,
  ].join(" && ");
  return { user, folders, grant: `sh -c ${q(script)}`, revoke };
}

/** Whether this process can make cgroups in the user's delegated subtree (as the user, or as root of its keeper's namespace). */
export function delegationMissing(d: Delegation, h: Hierarchies = hierarchies()): string | undefined {
  for (const f of d.folders) {
    if (!existsSync(f)) return `${f} does not exist`;
    try {
      accessSync(f, constants.W_OK | constants.X_OK);
    } catch {
      return `${f} is not ${d.user}'s`;
    }
  }
  if (h.version === 2) {
    const ctl = readFileSync(join(d.folders[0]!, "cgroup.subtree_control"), "utf8");
    if (!ctl.includes("cpu") || !ctl.includes("memory")) return `${d.folders[0]} does not hand the cpu and memory controllers down (cgroup.subtree_control: "${ctl.trim()}")`;
  }
  return undefined;
}

/** The cgroup folders of a host (one per v1 controller, or one in v2). */
export function hostCgroups(lab: string, host: string, mode: CgroupMode = labCgroupMode(lab)): string[] {
  return labsFolders(mode).map((f) => join(f, lab, host));
}

/** The folders holding a lab's cgroups (to remove the lab's, or find leftovers). */
export function labCgroupRoots(lab: string, mode: CgroupMode = labCgroupMode(lab)): string[] {
  return labsFolders(mode).map((f) => join(f, lab));
}

function write(file: string, value: string): void {
  writeFileSync(file, value);
}

/**
 * Creates a sized host's cgroup with its memory limit, and no CPU limit yet (any quota of a previous boot lifted):
 * the host's own CPU size is applied by `limitHostCpu` once its services are ready. Returns the `cgroup.procs` files
 * its launcher writes itself into before it starts the host, so the memory limit holds from the host's first
 * process. Throws when the machine has no usable cgroups (the caller refuses a sized design then).
 */
export function createHostCgroup(lab: string, host: string, size: HostSize | undefined): string[] {
  const mode = recordLabCgroupMode(lab);
  if (mode.version === 0) {
    if (size) throw new Error(`this design gives servers a size, but ${mode.why}; see \`stacklab doctor\``);
    return [];
  }
  if (mode.version === 2) {
    // The controllers must be handed down every level from stacklab's own cgroup (or the user's delegated one) to the host's.
    for (const dir of [...mode.enable, join(mode.base, lab)]) {
      mkdirSync(dir, { recursive: true });
      const ctl = join(dir, "cgroup.subtree_control");
      if (!readFileSync(ctl, "utf8").includes("memory")) write(ctl, "+cpu +memory");
    }
  }
  const dirs = hostCgroups(lab, host, mode);
  for (const d of dirs) mkdirSync(d, { recursive: true });
  // An unsized host gets a cgroup too, without limits: its CPU and memory are then counted by the kernel as well.
  if (!size) return dirs.map((d) => join(d, "cgroup.procs"));
  setCpuQuota(lab, host, mode, undefined);
  if (mode.version === 2) {
    const d = dirs[0]!;
    write(join(d, "memory.max"), String(size.memoryBytes));
    if (existsSync(join(d, "memory.swap.max"))) write(join(d, "memory.swap.max"), "0");
    return [join(d, "cgroup.procs")];
  }
  const mem = join(mode.memory, lab, host);
  write(join(mem, "memory.limit_in_bytes"), String(size.memoryBytes));
  // Without swap in the limit a host could page out instead of running out of memory as a server of that size would.
  if (existsSync(join(mem, "memory.memsw.limit_in_bytes"))) {
    try {
      write(join(mem, "memory.memsw.limit_in_bytes"), String(size.memoryBytes));
    } catch {
      // swap accounting off on this kernel: the memory limit alone holds
    }
  }
  return dirs.map((d) => join(d, "cgroup.procs"));
}

/**
 * Applies a sized host's CPU size (its CFS quota) to its cgroup. The lifecycle calls it once the host's services
 * are ready: a host boots on the machine's CPU and then runs as a server of its size, so bring-up costs the same
 * for a sized lab as for an unsized one (a quarter-core database host initialises about four times slower, which
 * is not what the scale model measures). Does nothing for an unsized host or where the cgroup is gone.
 */
export function limitHostCpu(lab: string, host: string, size: HostSize | undefined): void {
  const mode = labCgroupMode(lab);
  if (!size || mode.version === 0) return;
  if (!hostCgroups(lab, host, mode).every((d) => existsSync(d))) return;
  setCpuQuota(lab, host, mode, size.cpu);
}

/** The CPU quota of a host's cgroup: `cpu` cores of each 10 ms period, or none (undefined). */
function setCpuQuota(lab: string, host: string, mode: Exclude<CgroupMode, { version: 0 }>, cpu: number | undefined): void {
  const quota = cpu === undefined ? undefined : Math.max(1000, Math.round(cpu * PERIOD_US));
  if (mode.version === 2) {
    write(join(mode.base, lab, host, "cpu.max"), `${quota ?? "max"} ${PERIOD_US}`);
    return;
  }
  const dir = join(mode.cpu, lab, host);
  write(join(dir, "cpu.cfs_period_us"), String(PERIOD_US));
  write(join(dir, "cpu.cfs_quota_us"), String(quota ?? -1));
}

/** The CPU quota a host's cgroup holds now, in cores (undefined: none, or no cgroup). */
export function hostCpuLimit(lab: string, host: string): number | undefined {
  const mode = labCgroupMode(lab);
  try {
    if (mode.version === 2) {
      const [q, p] = readFileSync(join(mode.base, lab, host, "cpu.max"), "utf8")
        .trim()
        .split(" ");
      return q === "max" ? undefined : Number(q) / Number(p);
    }
    if (mode.version === 1) {
      const q = readNumber(join(mode.cpu, lab, host, "cpu.cfs_quota_us"));
      return q < 0 ? undefined : q / readNumber(join(mode.cpu, lab, host, "cpu.cfs_period_us"));
    }
  } catch {
    // no cgroup
  }
  return undefined;
}

/** What a host used, from its cgroup's accounting. */
export interface HostUsage {
  /** CPU time used by every process of the host since its cgroup was made, in seconds. */
  cpuSeconds: number;
  /** Memory in use now (page cache included, as the kernel counts it against the limit), in bytes. */
  memoryBytes: number;
  /** Times the kernel killed one of its processes for want of memory. */
  oomKills: number;
}

function readNumber(file: string): number {
  return Number(readFileSync(file, "utf8").trim());
}

function field(file: string, key: string): number {
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${key} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

/** A sized host's usage, or undefined when it has no cgroup (no size, or the machine has none). */
export function hostUsage(lab: string, host: string): HostUsage | undefined {
  const src = usageFiles(lab, host);
  if (!src) return undefined;
  try {
    const cpu = src.cpuScale === 1e6 ? field(src.cpu, "usage_usec") : readNumber(src.cpu);
    return { cpuSeconds: cpu / src.cpuScale, memoryBytes: readNumber(src.mem), oomKills: field(src.oom, "oom_kill") };
  } catch {
    return undefined;
  }
}

/**
 * The accounting files of a host's cgroups: CPU time (v2: cpu.stat's usage_usec, scale 1e6; v1: cpuacct.usage in
 * ns, scale 1e9), memory in use, and the file with the OOM kill count; undefined when the machine has no cgroups.
 */
export function usageFiles(lab: string, host: string, mode: CgroupMode = labCgroupMode(lab)): { cpu: string; cpuScale: number; mem: string; oom: string } | undefined {
  if (mode.version === 2) {
    const d = join(mode.base, lab, host);
    return { cpu: join(d, "cpu.stat"), cpuScale: 1e6, mem: join(d, "memory.current"), oom: join(d, "memory.events") };
  }
  if (mode.version === 1) {
    const mem = join(mode.memory, lab, host);
    return { cpu: join(mode.cpuacct, lab, host, "cpuacct.usage"), cpuScale: 1e9, mem: join(mem, "memory.usage_in_bytes"), oom: join(mem, "memory.oom_control") };
  }
  return undefined;
}

/**
 * Each host's CPU use over a window of `ms` (in cores: CPU seconds per second of wall time) from its cgroup's
 * accounting, with its usage at the window's end. A host without accounting (not sized, or gone) is left out.
 */
export async function cpuOverWindow(lab: string, hosts: string[], ms: number): Promise<Map<string, { cores: number; usage: HostUsage }>> {
  const out = new Map<string, { cores: number; usage: HostUsage }>();
  if (!hosts.length) return out;
  const before = new Map(hosts.map((h) => [h, hostUsage(lab, h)]));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const seconds = (performance.now() - t0) / 1000;
  for (const h of hosts) {
    const a = before.get(h);
    const b = hostUsage(lab, h);
    if (a && b) out.set(h, { cores: (b.cpuSeconds - a.cpuSeconds) / seconds, usage: b });
  }
  return out;
}

/** Removes a host's cgroups (its processes must be gone: the kernel refuses to remove a cgroup in use). */
export async function removeHostCgroup(lab: string, host: string): Promise<void> {
  for (const d of hostCgroups(lab, host)) await rmdirWhenEmpty(d);
}

/** Removes every cgroup of a lab (after its processes are gone). */
export async function removeLabCgroups(lab: string): Promise<string[]> {
  const removed: string[] = [];
  for (const root of labCgroupRoots(lab)) {
    if (!existsSync(root)) continue;
    for (const h of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      await rmdirWhenEmpty(join(root, h.name));
      removed.push(join(root, h.name));
    }
    await rmdirWhenEmpty(root);
  }
  return removed;
}

/** Labs that have cgroups under stacklab's folder (for `clean`). */
export function labsWithCgroups(): string[] {
  const roots = labsFolders(cgroupMode());
  const out = new Set<string>();
  for (const r of roots) if (existsSync(r)) for (const e of readdirSync(r, { withFileTypes: true })) if (e.isDirectory()) out.add(e.name);
  return [...out].sort();
}

async function rmdirWhenEmpty(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  // A cgroup whose last process is exiting is still busy for a moment.
  const deadline = performance.now() + 3000;
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (performance.now() > deadline) throw new Error(`cannot remove cgroup ${dir}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * A command line that first moves itself into a sized host's cgroups, then runs `argv` (with the host's namespaces
 * entered by `argv` itself, e.g. nsenter): a command run *in* a host (`stacklab exec`, `fault stress`) draws on the
 * host's size, as a process on that server would. Unsized hosts: `argv` unchanged.
 */
export function inHostCgroup(lab: string, host: string, argv: string[]): string[] {
  const procs = hostCgroups(lab, host).map((d) => join(d, "cgroup.procs"));
  if (!procs.length || !procs.every(existsSync)) return argv;
  return ["/bin/sh", "-c", `for f in ${procs.join(" ")}; do echo $$ > "$f" || exit 1; done; exec "$@"`, "stacklab-enter", ...argv];
}

/** True when no process is left in any cgroup of the lab (so removing them cannot touch a running lab). */
export function labCgroupsEmpty(lab: string): boolean {
  for (const root of labCgroupRoots(lab)) {
    if (!existsSync(root)) continue;
    for (const h of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      if (readFileSync(join(root, h.name, "cgroup.procs"), "utf8").trim()) return false;
    }
  }
  return true;
}

/**
 * How to see a cgroup file from inside a host: `ip netns exec` mounts a fresh /sys there, which hides
 * /sys/fs/cgroup, so a reader in the host mounts the hierarchy again (same type and controllers) under `at`.
 * Returns the mount to make and the file's path under it (rootless: a file of the host's own cgroup, at the mount's top).
 */
export function inHostView(file: string, at: string, mode: CgroupMode = cgroupMode()): { fstype: string; options: string; at: string; path: string } | undefined {
  const m = mounts()
    .filter((x) => (x.fstype === "cgroup" || x.fstype === "cgroup2") && (file === x.point || file.startsWith(`${x.point}/`)))
    .sort((a, b) => b.point.length - a.point.length)[0];
  if (!m) return undefined;
  const options = m.fstype === "cgroup2" ? "" : m.options.filter((o) => o !== "rw" && o !== "ro").join(",");
  // Rootless, the host has a cgroup namespace rooted at its own cgroup: a mount there shows that cgroup's files at its top.
  return { fstype: m.fstype, options, at, path: join(at, mode.version !== 0 && mode.delegatedTo ? basename(file) : file.slice(m.point.length)) };
}
