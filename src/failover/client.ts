// AgentClient over HTTP: the controller's (TCP, token, TLS) and the CLI's (unix sockets in the hosts' trees).
import { callJson, type CallTarget } from "./http.js";
import { TIMING } from "./timing.js";
import type { AgentClient, AgentStatus, FenceResult, FollowResult, PromoteResult } from "./types.js";

/** An AgentClient that finds each host's agent through `target(host)`. `statusTimeoutMs` bounds a status call. */
export function agentClient(target: (host: string) => CallTarget, statusTimeoutMs: number = TIMING.agentCallTimeoutMs): AgentClient {
  return {
    status: (host, opts) => callJson<AgentStatus>(target(host), "GET", opts?.observe ? "/status?observe=1" : "/status", undefined, statusTimeoutMs),
    fence: (host, reason, opts) => callJson<FenceResult>(target(host), "POST", "/fence", { reason, killFirst: opts?.killFirst ?? false }, opts?.timeoutMs ?? 8000),
    promote: (host, opts) => callJson<PromoteResult>(target(host), "POST", "/promote", opts ?? {}, (opts?.timeoutMs ?? TIMING.applyWaitMs) * 2 + 5000),
    follow: (host, primary, primaryAddress) => callJson<FollowResult>(target(host), "POST", "/follow", { primary, primaryAddress }, 15_000),
    waitApplied: async (host, gtid, timeoutMs) => (await callJson<{ applied: boolean }>(target(host), "POST", "/wait-applied", { gtid, timeoutMs }, timeoutMs + 3000)).applied,
  };
}
