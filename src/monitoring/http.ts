// Calls Prometheus's and Alertmanager's HTTP APIs with curl run inside the monitoring host.
import { PORTS } from "../spec/ports.js";
import { UsageError } from "../spec/errors.js";
import { runInHost } from "../runtime/host.js";
import { MonitoringUnavailableError, resolveMonitoring, type LabRef } from "./handle.js";

/** How long one API call may take before it counts as failed. */
export const API_TIMEOUT_MS = 5000;

const PORT = { prometheus: PORTS.prometheus, alertmanager: PORTS.alertmanager } as const;

/** The arguments of the curl that makes one API call (observable in tests). */
export function curlArgs(service: keyof typeof PORT, path: string, params: Record<string, string> = {}): string[] {
  const url = `http://127.0.0.1:${PORT[service]}${path}`;
  const data = Object.entries(params).flatMap(([k, v]) => ["--data-urlencode", `${k}=${v}`]);
  // -w appends the HTTP status on its own line, so an error answer's JSON body is still read
  return ["curl", "-sS", "--max-time", String(API_TIMEOUT_MS / 1000), "-w", "\\n%{http_code}", ...(data.length ? ["-G", ...data] : []), url];
}

/** Prometheus refused the request (a bad query: wrong syntax, unknown function). */
export class PromQueryError extends UsageError {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = "PromQueryError";
  }
}

/** GETs an API path inside the lab's monitoring host and returns the parsed JSON body. */
export async function apiGet<T>(ref: LabRef, service: keyof typeof PORT, path: string, params?: Record<string, string>): Promise<T> {
  const handle = resolveMonitoring(ref);
  const r = await runInHost(handle.initPid, curlArgs(service, path, params), { check: false, timeoutMs: API_TIMEOUT_MS + 2000 });
  if (r.code !== 0) throw new MonitoringUnavailableError(`${service} on ${handle.host} did not answer ${path}: ${r.stderr.trim() || `curl exit ${r.code}`}`);
  const cut = r.stdout.lastIndexOf("\n");
  const body = r.stdout.slice(0, cut);
  const status = Number(r.stdout.slice(cut + 1));
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MonitoringUnavailableError(`${service} on ${handle.host} answered ${path} with HTTP ${status} and no JSON: ${body.slice(0, 200)}`);
  }
  const err = json as { status?: string; errorType?: string; error?: string };
  if (err.status === "error") {
    if (err.errorType === "bad_data") throw new PromQueryError(err.errorType, `Prometheus refused the query: ${err.error ?? "bad data"}`);
    throw new MonitoringUnavailableError(`${service} on ${handle.host}: ${err.errorType ?? "error"}: ${err.error ?? `HTTP ${status}`}`);
  }
  if (status >= 400) throw new MonitoringUnavailableError(`${service} on ${handle.host} answered ${path} with HTTP ${status}`);
  return json as T;
}
