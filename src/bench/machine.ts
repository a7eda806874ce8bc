// The machine the figures come from: cores, memory, kernel, and the versions of the servers the lab runs.
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { run } from "../runtime/exec.js";
import type { MachineInfo } from "./types.js";

/** Each program, how to ask its version, and where the version is in the answer (stdout and stderr together). */
export const VERSION_PROBES: { name: string; argv: string[]; pattern: RegExp }[] = [
  { name: "HAProxy", argv: ["haproxy", "-v"], pattern: /HAProxy version (\S+)/ },
  { name: "nginx", argv: ["nginx", "-v"], pattern: /nginx\/(\S+)/ },
  { name: "MariaDB", argv: ["mariadbd", "--version"], pattern: /Ver (\S+)/ },
  { name: "keepalived", argv: ["keepalived", "--version"], pattern: /Keepalived v(\S+)/ },
  { name: "NSD", argv: ["nsd", "-v"], pattern: /NSD version (\S+)/ },
  { name: "Prometheus", argv: ["prometheus", "--version"], pattern: /version (\S+)/ },
  { name: "wrk", argv: ["wrk", "-v"], pattern: /wrk (\S+)/ },
];

/** The version in a program's answer, or null. */
export function parseVersion(output: string, pattern: RegExp): string | null {
  return pattern.exec(output)?.[1] ?? null;
}

function osName(): string {
  if (!existsSync("/etc/os-release")) return "unknown";
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
  return pretty?.[1] ?? "unknown";
}

/** Describes this machine. */
export async function machineInfo(): Promise<MachineInfo> {
  const versions: Record<string, string> = { Node: process.version.replace(/^v/, "") };
  await Promise.all(
    VERSION_PROBES.map(async (p) => {
      const r = await run(p.argv, { check: false, timeoutMs: 5000 });
      versions[p.name] = parseVersion(`${r.stdout}\n${r.stderr}`, p.pattern) ?? "not found";
    }),
  );
  const ordered = Object.fromEntries(["HAProxy", "nginx", "MariaDB", "keepalived", "NSD", "Prometheus", "Node", "wrk"].map((k) => [k, versions[k] ?? "not found"]));
  return { cores: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryBytes: totalmem(), kernel: release(), os: osName(), versions: ordered };
}

/** The machine's 1-minute load average. */
export function loadNow(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}
