// AgentClient over HTTP: the controller's (TCP, token, TLS) and the CLI's (unix sockets in the hosts' trees).
import { callJson, type CallTarget } from "./http.js";
import { TIMING } from "./timing.js";
import type { AgentClient, AgentStatus, FenceResult, FollowResult, PromoteResult, RebuildResult } from "./types.js";

/** How long a rebuild may take (copy, load, first stream): small data takes seconds, this bounds a stuck one. */
export const REBUILD_TIMEOUT_MS = 180_000;

/** An AgentClient that finds each host's agent through `target(host)`. `statusTimeoutMs` bounds a status call. */
export function agentClient(target: (host: string) => CallTarget, statusTimeoutMs: number = TIMING.agentCallTimeoutMs): AgentClient {
  return {
    status: (host, opts) => callJson<AgentStatus>(target(host), "GET", opts?.observe ? "/status?observe=1" : "/status", undefined, statusTimeoutMs),
    fence: (host, reason, opts) => callJson<FenceResult>(target(host), "POST", "/fence", { reason, killFirst: opts?.killFirst ?? false }, opts?.timeoutMs ?? 8000),
    promote: (host, opts) => callJson<PromoteResult>(target(host), "POST", "/promote", opts ?? {}, (opts?.timeoutMs ?? TIMING.applyWaitMs) * 2 + 5000),
    follow: (host, primary, primaryAddress) => callJson<FollowResult>(target(host), "POST", "/follow", { primary, primaryAddress }, 15_000),
    rebuild: (host, primary, primaryAddress) => callJson<RebuildResult>(target(host), "POST", "/rebuild", { primary, primaryAddress }, REBUILD_TIMEOUT_MS),
    waitApplied: async (host, gtid, timeoutMs) => (await callJson<{ applied: boolean }>(target(host), "POST", "/wait-applied", { gtid, timeoutMs }, timeoutMs + 3000)).applied,
  };
}
