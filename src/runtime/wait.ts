// Readiness: poll a probe inside a host until it succeeds, or fail saying what was awaited, for how long, and the log's end.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { runInHost } from "./host.js";
import { listenerPresent } from "./listener.js";
import type { Probe } from "./services/types.js";

/** A service that did not become ready in time. */
export class NotReadyError extends Error {
  constructor(
    readonly host: string,
    readonly service: string,
    readonly what: string,
    readonly timeoutMs: number,
    readonly logTail: string,
    readonly answer = "",
  ) {
    super(
      `${service} on ${host} was not ready after ${(timeoutMs / 1000).toFixed(0)} s: waited for ${what}${answer ? `\nits last answer:\n${answer}` : ""}${logTail ? `\nlast lines of its log:\n${logTail}` : ""}`,
    );
    this.name = "NotReadyError";
  }
}

/** The last lines of a file, or "" when it does not exist. */
export function tail(file: string, lines = 12): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((l) => `  ${l}`)
    .join("\n");
}

/**
 * How `up` waits in a lab of `services` services sharing the machine: every probe is a process started in a
 * host, so a big lab polls less often (about 4 ms per service between two probes of one service, 100 ms to 1 s),
 * and a service may take longer to be ready while all the others start on the same cores (the readiness
 * timeout grows with the lab beyond 40 services). Design 3 (31 services) keeps 100 ms and the plain timeouts.
 */
export function pacing(services: number): { maxIntervalMs: number; timeoutFactor: number } {
  return { maxIntervalMs: Math.min(1000, Math.max(100, services * 4)), timeoutFactor: Math.max(1, services / 40) };
}

/**
 * How much longer readiness may take on a busy machine: the 1-minute load average per core, from 1 (a machine
 * with a core free) up to 4. A readiness timeout is a bound on a failure, never a pause: a longer one costs nothing
 * when the service is ready in time, and on a machine running other labs (or a test suite) a daemon's start may
 * honestly take several times its quiet figure.
 */
export function loadFactor(load: number = loadavg()[0] ?? 0, cores: number = cpus().length): number {
  return Math.min(4, Math.max(1, load / Math.max(1, cores)));
}

/** How often a probe's listener is looked for in /proc (in process: costs no process). */
const LISTENER_POLL_MS = 20;
/** While its listener is not there, the probe command still runs this often (a listener that cannot be seen never hides a ready service). */
const BLIND_PROBE_MS = 1000;

/** Counts the probe commands run, for `STACKLAB_TIMINGS`. */
export const probeRuns = { count: 0 };

/**
 * Polls `probe` inside the host until it exits 0: first after 50 ms, then each wait 1.5 times longer, up to
 * `maxIntervalMs` (default 100). A probe with a `listener` first waits, reading /proc every 20 ms, until the kernel
 * shows it (the port in LISTEN, the socket file), then runs its command: a service that is still starting costs
 * no process per poll (the command still runs once a second meanwhile).
 */
export async function waitForProbe(opts: {
  host: string;
  service: string;
  initPid: number;
  probe: Probe;
  timeoutMs: number;
  logFile?: string;
  maxIntervalMs?: number;
  signal?: AbortSignal;
}): Promise<number> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const cap = opts.maxIntervalMs ?? 100;
  let lastRun = started;
  for (let wait = Math.min(50, cap); ; wait = Math.min(cap, wait * 1.5)) {
    opts.signal?.throwIfAborted();
    const listener = opts.probe.listener;
    if (listener) {
      while (!listenerPresent(opts.initPid, listener) && Date.now() - lastRun < BLIND_PROBE_MS && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, LISTENER_POLL_MS));
        opts.signal?.throwIfAborted();
      }
      lastRun = Date.now();
    }
    probeRuns.count++;
    const r = await runInHost(opts.initPid, opts.probe.argv, { check: false, timeoutMs: 3000 });
    if (r.code === 0) return Date.now() - started;
    if (Date.now() >= deadline) {
      const answer = opts.probe.diagnose ? await runInHost(opts.initPid, opts.probe.diagnose, { check: false, timeoutMs: 3000 }) : undefined;
      const said = answer ? `${answer.stdout}${answer.stderr}`.trim().slice(0, 2000) : "";
      throw new NotReadyError(opts.host, opts.service, opts.probe.what, opts.timeoutMs, opts.logFile ? tail(opts.logFile) : r.stderr.trim(), said && said.replace(/^/gm, "  "));
    }
    await new Promise((res) => setTimeout(res, wait));
  }
}

/** Where a service's log lives in a host's tree. */
export function serviceLog(root: string, service: string): string {
  return join(root, "var/log", `${service}.log`);
}
