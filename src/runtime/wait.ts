// Readiness: poll a probe inside a host until it succeeds, or fail saying what was awaited, for how long, and the log's end.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runInHost } from "./host.js";
import type { Probe } from "./services/types.js";

/** A service that did not become ready in time. */
export class NotReadyError extends Error {
  constructor(
    readonly host: string,
    readonly service: string,
    readonly what: string,
    readonly timeoutMs: number,
    readonly logTail: string,
  ) {
    super(`${service} on ${host} was not ready after ${(timeoutMs / 1000).toFixed(0)} s: waited for ${what}${logTail ? `\nlast lines of its log:\n${logTail}` : ""}`);
    this.name = "NotReadyError";
  }
}

/** The last lines of a file, or "" when it does not exist. */
export function tail(file: string, lines = 12): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).map((l) => `  ${l}`).join("\n");
}

/** Polls `probe` inside the host until it exits 0. */
export async function waitForProbe(opts: { host: string; service: string; initPid: number; probe: Probe; timeoutMs: number; logFile?: string; intervalMs?: number; signal?: AbortSignal }): Promise<number> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    const r = await runInHost(opts.initPid, opts.probe.argv, { check: false, timeoutMs: 3000 });
    if (r.code === 0) return Date.now() - started;
    if (Date.now() >= deadline) throw new NotReadyError(opts.host, opts.service, opts.probe.what, opts.timeoutMs, opts.logFile ? tail(opts.logFile) : r.stderr.trim());
    await new Promise((res) => setTimeout(res, opts.intervalMs ?? 100));
  }
}

/** Where a service's log lives in a host's tree. */
export function serviceLog(root: string, service: string): string {
  return join(root, "var/log", `${service}.log`);
}
