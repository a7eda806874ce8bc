// Whether a design's server sizes fit the machine that runs its lab: past it, the lab is no faithful scale model.
import type { Model } from "../model/types.js";
import { formatMemory } from "../spec/size.js";

export interface Machine {
  cpus: number;
  memoryBytes: number;
}

export interface SizeBudget {
  /** Cores and bytes the sized hosts may use together. */
  cpu: number;
  memoryBytes: number;
  /** Hosts without a size (they share what is left). */
  unsized: string[];
  /** One line per way the sizes overrun the machine, with by how much; empty when they fit. */
  warnings: string[];
  /** Hosts bigger than the whole machine on their own: the lab cannot be that design at all. */
  tooBig: string[];
}

/** Adds the design's sizes up against the machine. Pure: the machine is given. */
export function sizeBudget(model: Model, machine: Machine): SizeBudget {
  const sized = model.hosts.filter((h) => h.size);
  const cpu = sized.reduce((n, h) => n + h.size!.cpu, 0);
  const memoryBytes = sized.reduce((n, h) => n + h.size!.memoryBytes, 0);
  const warnings: string[] = [];
  if (cpu > machine.cpus)
    warnings.push(
      `the servers' sizes add up to ${round(cpu)} cores, ${round(cpu - machine.cpus)} more than this machine's ${machine.cpus} (${Math.round((cpu / machine.cpus) * 100)}%): under load they slow each other down, so the lab no longer models servers of those sizes`,
    );
  if (memoryBytes > machine.memoryBytes)
    warnings.push(
      `the servers' memory adds up to ${formatMemory(memoryBytes)}, ${formatMemory(memoryBytes - machine.memoryBytes)} more than this machine's ${formatMemory(machine.memoryBytes)}: the machine runs out before any server reaches its size`,
    );
  const tooBig = sized.filter((h) => h.size!.cpu > machine.cpus || h.size!.memoryBytes > machine.memoryBytes).map((h) => `${h.name} (${h.size!.cpu} cores, ${formatMemory(h.size!.memoryBytes)})`);
  return { cpu, memoryBytes, unsized: model.hosts.filter((h) => !h.size).map((h) => h.name), warnings, tooBig };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
