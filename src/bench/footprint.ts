// Memory of a running lab: every process of each host's PID namespace, summed per host and in all.
import { readFileSync } from "node:fs";
import { namespacePids } from "../runtime/faults/index.js";
import { isAlive, type LabState, type ProcRecord } from "../runtime/state.js";
import type { FootprintSample, HostFootprint, IdleCpu } from "./types.js";
import { cpuOverWindow, hostUsage } from "../runtime/cgroups.js";

/** A "Field:   123 kB" value of /proc/PID/smaps_rollup or /proc/PID/status, in bytes; null when absent. */
export function procField(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** RSS and PSS of one process in bytes; null when it is gone. */
function processMemory(pid: number): { rss: number; pss: number } | null {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const rss = procField(rollup, "Rss");
    if (rss !== null) return { rss, pss: procField(rollup, "Pss") ?? rss };
  } catch {
    // kernel threads and vanished processes have none; fall back to status
  }
  try {
    const rss = procField(readFileSync(`/proc/${pid}/status`, "utf8"), "VmRSS") ?? 0;
    return { rss, pss: rss };
  } catch {
    return null;
  }
}

/** Sums the memory of a set of processes under one name. */
export function sumProcesses(name: string, pids: readonly number[], read: (pid: number) => { rss: number; pss: number } | null = processMemory): HostFootprint {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of pids) {
    const m = read(pid);
    if (!m) continue;
    processes++;
    rss += m.rss;
    pss += m.pss;
  }
  return { host: name, processes, rssBytes: rss, pssBytes: pss };
}

/** Measures a running lab: each host (its init's PID namespace) and the lab's processes outside the hosts. */
export function measureFootprint(state: LabState, when: string): FootprintSample {
  const hosts = state.hosts.map((h) => {
    const f = sumProcesses(h.name, h.init && isAlive(h.init) ? namespacePids(h.init.pid) : []);
    const kernel = hostUsage(state.name, h.name)?.memoryBytes;
    return kernel === undefined ? f : { ...f, kernelBytes: kernel };
  });
  // Outside the hosts: each host's launcher (`unshare`, waiting for its init) and the loopback relays.
  const outsidePids = [...state.hosts.map((h) => h.launcher), ...state.extra].filter((p): p is ProcRecord => p !== undefined && isAlive(p)).map((p) => p.pid);
  const outside = sumProcesses("(outside the hosts)", outsidePids);
  const all = [...hosts, outside];
  const kernel = hosts.every((h) => h.kernelBytes !== undefined) ? { totalKernelBytes: hosts.reduce((s, h) => s + h.kernelBytes!, 0) } : {};
  return { when, hosts, outside, totalRssBytes: all.reduce((s, h) => s + h.rssBytes, 0), totalPssBytes: all.reduce((s, h) => s + h.pssBytes, 0), ...kernel };
}

/** CPU every host used over `seconds` with nothing to serve, from the kernel's accounting (each host's cgroup). */
export async function measureIdle(state: LabState, seconds: number): Promise<IdleCpu | undefined> {
  const names = state.hosts.map((h) => h.name);
  const pidsOf = () => state.hosts.flatMap((h) => (h.init && isAlive(h.init) ? namespacePids(h.init.pid) : []));
  const before = readProcessTimes(pidsOf());
  const window = await cpuOverWindow(state.name, names, seconds * 1000);
  const after = readProcessTimes(pidsOf());
  if (window.size < names.length) return undefined;
  const hosts = names.map((host) => ({ host, cores: Math.round(window.get(host)!.cores * 1000) / 1000 }));
  return { seconds, cores: Math.round(hosts.reduce((s, h) => s + h.cores, 0) * 1000) / 1000, hosts, byProgram: cpuByProgram(before, after, seconds) };
}

/** One process's CPU time so far (user + system, in clock ticks) and what program it is. */
export interface ProcessTime {
  ticks: number;
  program: string;
}

/** The clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on every Linux architecture stacklab runs on). */
const USER_HZ = 100;

/** The program a process runs, by a name a person knows: stacklab's own Node programs by their role, others by their command name. */
export function programName(comm: string, argv: readonly string[]): string {
  // The kernel keeps 15 characters of a command's name: the program's own file name is whole.
  const file = (argv[0] ?? "").split("/").pop() ?? "";
  if (comm !== "node") return comm.length === 15 && file.startsWith(comm) ? file : comm;
  const script = argv.slice(1).find((a) => a.endsWith(".js")) ?? "";
  if (script.includes("/failover/agent/")) return "failover agent (node)";
  if (script.includes("/failover/controller/")) return "failover controller (node)";
  if (script.includes("/app/runner/")) return "app server runner (node)";
  if (script.includes("/app/")) return "app worker (node)";
  return script ? `node ${script.split("/").slice(-2).join("/")}` : "node";
}

/** Every process's CPU time and program (processes gone meanwhile are left out). */
function readProcessTimes(pids: readonly number[]): Map<number, ProcessTime> {
  const out = new Map<number, ProcessTime>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      out.set(pid, { ticks: Number(fields[11]) + Number(fields[12]), program: programName(comm, argv) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU per program over a window, from two readings of the processes' times: only processes alive at both ends count
 * (a process started or ended in the window is left out, so the sum can be below the cgroups' figure), busiest first.
 */
export function cpuByProgram(before: ReadonlyMap<number, ProcessTime>, after: ReadonlyMap<number, ProcessTime>, seconds: number): { program: string; processes: number; cores: number }[] {
  const sums = new Map<string, { processes: number; ticks: number }>();
  for (const [pid, b] of after) {
    const a = before.get(pid);
    if (!a || a.program !== b.program) continue;
    const s = sums.get(b.program) ?? { processes: 0, ticks: 0 };
    s.processes++;
    s.ticks += b.ticks - a.ticks;
    sums.set(b.program, s);
  }
  return [...sums]
    .map(([program, s]) => ({ program, processes: s.processes, cores: Math.round((s.ticks / USER_HZ / seconds) * 1000) / 1000 }))
    .sort((x, y) => y.cores - x.cores || x.program.localeCompare(y.program));
}
