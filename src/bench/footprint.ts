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
  const window = await cpuOverWindow(state.name, names, seconds * 1000);
  if (window.size < names.length) return undefined;
  const hosts = names.map((host) => ({ host, cores: Math.round(window.get(host)!.cores * 1000) / 1000 }));
  return { seconds, cores: Math.round(hosts.reduce((s, h) => s + h.cores, 0) * 1000) / 1000, hosts };
}
