// Runs connection probes from inside a lab host: one node process per host, many probes each.
import { join } from "node:path";
import { REPO_DIR } from "../runtime/repo.js";
import type { AuditContext } from "./context.js";
import type { ProbeResult, ProbeTarget } from "./probe-net.js";

export type { ProbeResult, ProbeState, ProbeTarget } from "./probe-net.js";

/** How long a probe waits for an answer: a lab hop answers in well under a millisecond, but a busy machine can take its time to schedule hundreds of probes. */
export const PROBE_TIMEOUT_MS = 1500;

/** The command that probes from inside a host (the targets go on stdin). */
export function probeCommand(): string[] {
  return [process.execPath, join(REPO_DIR, "dist/audit/probe-main.js")];
}

/** Probes the targets from inside a host; results come back in the targets' order. */
export async function probeFrom(ctx: AuditContext, host: string, targets: ProbeTarget[], timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult[]> {
  if (!targets.length) return [];
  const r = await ctx.inHost(host, probeCommand(), { input: JSON.stringify({ timeoutMs, targets }), timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`probes from ${host} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-2).join(" ")}`);
  return JSON.parse(r.stdout) as ProbeResult[];
}
