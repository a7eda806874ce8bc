// wrk, the load generator of the serving benchmark: its command line, a Lua hook that prints its figures as
// JSON, and the parser of that line. wrk runs inside a lab host against a lab address only.

/** Fixed load of every serving run: one thread, a fixed number of connections, a fixed duration. */
export interface WrkLoad {
  threads: number;
  connections: number;
  durationS: number;
  timeoutS: number;
}

/** What one wrk run measured. Latencies in ms. */
export interface WrkRun {
  requests: number;
  durationMs: number;
  /** Answers with a 2xx or 3xx status per second. */
  rps: number;
  /** Socket errors, timeouts and non-2xx/3xx answers. */
  errors: number;
  /** The same, by kind (wrk's connect, read, write, status and timeout counters); only kinds that occurred. */
  errorKinds: Record<string, number>;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Marker of the line the Lua hook prints. */
const MARK = "STACKLAB-WRK ";

/** Lua run by wrk when the test ends: one line of JSON with the totals and the latency percentiles (µs). */
export const WRK_SCRIPT = `-- written by stacklab's benchmark: prints wrk's figures as one JSON line
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

/** The wrk command line for a URL, with the hook script at `script` (a path inside the host). */
export function wrkArgs(load: WrkLoad, url: string, script: string): string[] {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`wrk loads http(s) URLs only; got ${url}`);
  return ["wrk", `-t${load.threads}`, `-c${load.connections}`, `-d${load.durationS}s`, "--timeout", `${load.timeoutS}s`, "-s", script, url];
}

/** The load as a person would type it (for the report). */
export function wrkText(load: WrkLoad): string {
  return `wrk -t${load.threads} -c${load.connections} -d${load.durationS}s --timeout ${load.timeoutS}s`;
}

/** Reads the hook's line out of wrk's output; throws when wrk printed none (it failed to start or to connect). */
export function parseWrk(stdout: string): WrkRun {
  const line = stdout.split("\n").find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`wrk printed no result: ${stdout.trim().split("\n").slice(-3).join(" ") || "(no output)"}`);
  const v = JSON.parse(line.slice(MARK.length)) as Record<string, number>;
  const num = (k: string) => {
    const x = v[k];
    if (typeof x !== "number" || !Number.isFinite(x)) throw new Error(`wrk's result lacks ${k}: ${line}`);
    return x;
  };
  const durationMs = num("duration_us") / 1000;
  const requests = num("requests");
  const kinds = ["connect", "read", "write", "status", "timeout"] as const;
  const errorKinds = Object.fromEntries(kinds.filter((k) => num(k) > 0).map((k) => [k === "status" ? "non-2xx/3xx answer" : k === "timeout" ? "timeout" : `${k} error`, num(k)]));
  const errors = kinds.reduce((sum, k) => sum + num(k), 0);
  return {
    requests,
    durationMs,
    // Only successful answers count: an error page served fast is not throughput.
    rps: durationMs > 0 ? (Math.max(0, requests - num("status")) * 1000) / durationMs : 0,
    errors,
    errorKinds,
    p50: num("p50") / 1000,
    p90: num("p90") / 1000,
    p99: num("p99") / 1000,
    max: num("max") / 1000,
  };
}
