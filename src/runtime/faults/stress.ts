// A noisy neighbour: Debian's stress-ng inside a host, burning CPU or holding memory for a bounded time. On a sized
// host it competes with the host's own services for the host's size, as a runaway process would on a real server.
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../../spec/errors.js";
import { spawnDetached } from "../exec.js";
import { enterArgs, markedEnv } from "../host.js";
import { hostDir } from "../paths.js";
import { isAlive, procRecord } from "../state.js";
import { killRecorded } from "../lifecycle.js";
import { inHostCgroup } from "../cgroups.js";
import { addFault, dropFaults, hostOf, requireRunning, result, type ActiveFault, type FaultLab, type FaultResult } from "./ledger.js";
import type { StressLoad } from "./types.js";

/** The longest a stress may last: every load stacklab makes stops by itself. */
export const MAX_STRESS_MS = 10 * 60_000;

/** Checks a stress before anything runs: some load, a bounded duration. */
export function checkStress(load: StressLoad): void {
  if (!load.cpu && !load.memoryBytes) throw new UsageError("give the load: --cpu N (workers, each burning one core) and/or --memory SIZE (e.g. 256Mi)");
  if (load.cpu !== undefined && (!Number.isInteger(load.cpu) || load.cpu < 1 || load.cpu > 64)) throw new UsageError(`--cpu must be a number of workers from 1 to 64; got ${load.cpu}`);
  if (load.memoryBytes !== undefined && (load.memoryBytes < 1024 ** 2 || load.memoryBytes > 64 * 1024 ** 3)) throw new UsageError("--memory must be between 1Mi and 64Gi, e.g. 256Mi");
  if (!(load.durationMs >= 1000 && load.durationMs <= MAX_STRESS_MS)) throw new UsageError(`--duration must be between 1s and ${MAX_STRESS_MS / 60_000}m`);
}

/** The stress-ng command line of a load (its own --timeout ends it even if nobody heals it). */
export function stressArgv(load: StressLoad): string[] {
  return [
    "stress-ng",
    ...(load.cpu ? ["--cpu", String(load.cpu)] : []),
    ...(load.memoryBytes ? ["--vm", "1", "--vm-bytes", `${Math.floor(load.memoryBytes / 1024)}k`, "--vm-keep"] : []),
    "--timeout",
    `${Math.ceil(load.durationMs / 1000)}s`,
    // Its scratch files in the host's own /tmp, not in the folder the command ran from (rootless, a folder the
    // host's root may not write: stress-ng then refuses to start).
    "--temp-path",
    "/tmp",
    "--quiet",
  ];
}

/** Starts a noisy neighbour in a host for a bounded time; `heal` stops it early. */
export async function stressHost(lab: FaultLab, host: string, load: StressLoad): Promise<FaultResult> {
  checkStress(load);
  const h = requireRunning(lab, host, "stress");
  const at = Date.now();
  const log = openSync(join(hostDir(lab.state.name, host), "var/log/stress.log"), "a");
  const pid = spawnDetached(inHostCgroup(lab.state.name, host, [...enterArgs(h.init!.pid), ...stressArgv(load)]), log, markedEnv(hostDir(lab.state.name, host)));
  closeSync(log);
  const proc = procRecord(pid);
  addFault(lab, { kind: "stress", host, proc, until: at + load.durationMs, ...load, at });
  const what = [load.cpu ? `${load.cpu} CPU worker(s)` : "", load.memoryBytes ? `${Math.round(load.memoryBytes / 1024 ** 2)} MiB held` : ""].filter(Boolean).join(" and ");
  return result(lab, "fault", "stress", [host], at, `stress on ${host}: ${what} for ${Math.round(load.durationMs / 1000)} s (stress-ng)`);
}

/** Stops a stress fault (heal), or forgets it when its time is up. */
export function endStress(lab: FaultLab, f: Extract<ActiveFault, { kind: "stress" }>): FaultResult {
  const at = Date.now();
  // nsenter's child (stress-ng) lives in the host's PID namespace; killing nsenter's group ends it.
  if (isAlive(f.proc)) {
    try {
      process.kill(-f.proc.pid, "SIGKILL");
    } catch {
      killRecorded(f.proc);
    }
  }
  dropFaults(lab, (x) => x.id === f.id);
  hostOf(lab, f.host);
  return result(lab, "heal", "unstress", [f.host], at, `stopped the stress on ${f.host}`);
}
