// Server sizes, enforced by the kernel: one cgroup per sized host, with a CPU quota and a memory limit, and the
// host's CPU time and memory read back from the cgroup's accounting (a host's /proc shows the whole machine).
//
// cgroup v2 where the unified hierarchy has the cpu and memory controllers, else the v1 controllers cpu, cpuacct
// and memory. Every stacklab cgroup lives under the cgroup stacklab itself runs in (so a lab stays inside any
// limit the machine puts on stacklab), at `<that>/stacklab/<lab>/<host>`.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostSize } from "../model/types.js";

/**
 * CFS period: the quota is a share of it. 10 ms, not the kernel's 100 ms: with 100 ms a host of a quarter core runs
 * 25 ms then waits up to 75 ms, so every hop adds a pause no server of that size would make (measured: design 3 at
 * 0.25 core per server had p50 2 ms and p99 752 ms at half its CPU). A short period models a slower CPU instead.
 */
const PERIOD_US = 10_000;

export type CgroupMode = { version: 2; base: string } | { version: 1; cpu: string; cpuacct: string; memory: string } | { version: 0; why: string };

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

let cached: CgroupMode | undefined;

/** Which cgroup version sizes use on this machine, and where (`doctor` reports it). */
export function cgroupMode(): CgroupMode {
  if (cached) return cached;
  try {
    const ms = mounts();
    const own = ownCgroups();
    const v2 = ms.find((m) => m.fstype === "cgroup2");
    if (v2) {
      const base = join(v2.point, own.get("") ?? "/");
      const controllers = existsSync(join(v2.point, "cgroup.controllers")) ? readFileSync(join(v2.point, "cgroup.controllers"), "utf8").split(/\s+/) : [];
      if (controllers.includes("cpu") && controllers.includes("memory")) return (cached = { version: 2, base });
    }
    const v1 = (c: string) => {
      const m = ms.find((x) => x.fstype === "cgroup" && x.options.includes(c));
      return m ? join(m.point, own.get(c) ?? "/") : undefined;
    };
    const [cpu, cpuacct, memory] = [v1("cpu"), v1("cpuacct"), v1("memory")];
    if (cpu && cpuacct && memory) return (cached = { version: 1, cpu, cpuacct, memory });
    return (cached = { version: 0, why: "neither cgroup v2 with the cpu and memory controllers nor the v1 cpu, cpuacct and memory controllers are mounted" });
  } catch (err) {
    return (cached = { version: 0, why: `cannot read this machine's cgroups (${(err as Error).message})` });
  }
}

/** The cgroup folders of a host (one per v1 controller, or one in v2). */
export function hostCgroups(lab: string, host: string, mode: CgroupMode = cgroupMode()): string[] {
  const rel = join("stacklab", lab, host);
  if (mode.version === 2) return [join(mode.base, rel)];
  if (mode.version === 1) return [...new Set([join(mode.cpu, rel), join(mode.cpuacct, rel), join(mode.memory, rel)])];
  return [];
}

/** The folders holding a lab's cgroups (to remove the lab's, or find leftovers). */
export function labCgroupRoots(lab: string, mode: CgroupMode = cgroupMode()): string[] {
  const rel = join("stacklab", lab);
  if (mode.version === 2) return [join(mode.base, rel)];
  if (mode.version === 1) return [...new Set([join(mode.cpu, rel), join(mode.cpuacct, rel), join(mode.memory, rel)])];
  return [];
}

function write(file: string, value: string): void {
  writeFileSync(file, value);
}

/**
 * Creates a sized host's cgroup with its limits; returns the `cgroup.procs` files its launcher writes itself into
 * before it starts the host, so the limits hold from the host's first process. Throws when the machine has no
 * usable cgroups (the caller refuses a sized design then).
 */
export function createHostCgroup(lab: string, host: string, size: HostSize | undefined): string[] {
  const mode = cgroupMode();
  if (mode.version === 0) {
    if (size) throw new Error(`this design gives servers a size, but ${mode.why}; see \`stacklab doctor\``);
    return [];
  }
  if (mode.version === 2) {
    // The controllers must be handed down every level from stacklab's own cgroup to the host's.
    let dir = mode.base;
    for (const part of ["stacklab", lab]) {
      const ctl = join(dir, "cgroup.subtree_control");
      if (!readFileSync(ctl, "utf8").includes("memory")) write(ctl, "+cpu +memory");
      dir = join(dir, part);
      mkdirSync(dir, { recursive: true });
    }
    const ctl = join(dir, "cgroup.subtree_control");
    if (!readFileSync(ctl, "utf8").includes("memory")) write(ctl, "+cpu +memory");
  }
  const dirs = hostCgroups(lab, host, mode);
  for (const d of dirs) mkdirSync(d, { recursive: true });
  // An unsized host gets a cgroup too, without limits: its CPU and memory are then counted by the kernel as well.
  if (!size) return dirs.map((d) => join(d, "cgroup.procs"));
  const quota = Math.max(1000, Math.round(size.cpu * PERIOD_US));
  if (mode.version === 2) {
    const d = dirs[0]!;
    write(join(d, "cpu.max"), `${quota} ${PERIOD_US}`);
    write(join(d, "memory.max"), String(size.memoryBytes));
    if (existsSync(join(d, "memory.swap.max"))) write(join(d, "memory.swap.max"), "0");
    return [join(d, "cgroup.procs")];
  }
  const cpu = join(mode.cpu, "stacklab", lab, host);
  write(join(cpu, "cpu.cfs_period_us"), String(PERIOD_US));
  write(join(cpu, "cpu.cfs_quota_us"), String(quota));
  const mem = join(mode.memory, "stacklab", lab, host);
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
  const mode = cgroupMode();
  try {
    if (mode.version === 2) {
      const d = hostCgroups(lab, host, mode)[0]!;
      return { cpuSeconds: field(join(d, "cpu.stat"), "usage_usec") / 1e6, memoryBytes: readNumber(join(d, "memory.current")), oomKills: field(join(d, "memory.events"), "oom_kill") };
    }
    if (mode.version === 1) {
      const acct = join(mode.cpuacct, "stacklab", lab, host);
      const mem = join(mode.memory, "stacklab", lab, host);
      return { cpuSeconds: readNumber(join(acct, "cpuacct.usage")) / 1e9, memoryBytes: readNumber(join(mem, "memory.usage_in_bytes")), oomKills: field(join(mem, "memory.oom_control"), "oom_kill") };
    }
  } catch {
    return undefined;
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
  const mode = cgroupMode();
  const roots = mode.version === 2 ? [join(mode.base, "stacklab")] : mode.version === 1 ? [join(mode.cpu, "stacklab"), join(mode.cpuacct, "stacklab"), join(mode.memory, "stacklab")] : [];
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
 * Returns the mount to make and the file's path under it.
 */
export function inHostView(file: string, at: string): { fstype: string; options: string; at: string; path: string } | undefined {
  const m = mounts()
    .filter((x) => (x.fstype === "cgroup" || x.fstype === "cgroup2") && (file === x.point || file.startsWith(`${x.point}/`)))
    .sort((a, b) => b.point.length - a.point.length)[0];
  if (!m) return undefined;
  const options = m.fstype === "cgroup2" ? "" : m.options.filter((o) => o !== "rw" && o !== "ro").join(",");
  return { fstype: m.fstype, options, at, path: join(at, file.slice(m.point.length)) };
}
