// Pausing a host: every process of its PID namespace stopped (SIGSTOP), a hung server whose network still answers.
import { readdirSync, readlinkSync } from "node:fs";
import { UsageError } from "../../spec/errors.js";
import { addFault, pausedFault, requireUp, result, type FaultLab, type FaultResult } from "./ledger.js";

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

export function signalHost(initPid: number, signal: "SIGSTOP" | "SIGCONT"): number {
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
