// The records of faults a lab is under, as its state file keeps them. A leaf: the state imports these types
// without importing the code that injects faults (which itself reads and writes the state).

/** A process a fault started, as the state records it (the same shape as `ProcRecord` in state.ts). */
export interface FaultProc {
  pid: number;
  /** Field 22 of /proc/PID/stat, so a reused pid is never mistaken for it. */
  startTime: number;
}

/** How a link misbehaves under a netem fault. */
export interface LinkImpairment {
  delayMs: number;
  jitterMs: number;
  lossPct: number;
}

/** A fault in force, kept in the lab's state until healed. */
export type ActiveFault =
  | { id: string; kind: "down"; how: "kill" | "stop"; host: string; at: number }
  | { id: string; kind: "service"; host: string; service: string; at: number }
  | { id: string; kind: "partition"; hosts: string[]; from: string[]; at: number }
  | ({ id: string; kind: "netem"; host: string; links: string[]; via: "tc" | "queue"; proc?: FaultProc; at: number } & LinkImpairment)
  | { id: string; kind: "pause"; host: string; at: number }
  | ({ id: string; kind: "stress"; host: string; proc: FaultProc; until: number; at: number } & StressLoad);

/** A noisy neighbour's load (`fault stress`): CPU workers and/or memory held, for a bounded time. */
export interface StressLoad {
  cpu?: number;
  memoryBytes?: number;
  durationMs: number;
}
