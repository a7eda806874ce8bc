// Prometheus metrics of one app process (prom-client). In cluster mode the runner's primary sums
// every worker's registry into one answer (see runner/metrics-aggregator.ts).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PoolStats } from "./types.js";

/** Labels of error kinds counted by `foobar_errors_total`. */
export type ErrorKind = "db" | "handler" | "bad_request";

/** What the core records; the registry renders it. */
export interface AppMetrics {
  registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  countError(kind: ErrorKind): void;
}

/** Creates the app's registry: requests, latency, errors, database pools, version info and Node's defaults. */
export function createAppMetrics(opts: { version: string; hostName: string; pools?: () => PoolStats[]; defaultMetrics?: boolean }): AppMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: "foobar_http_requests_total",
    help: "HTTP requests answered by the app, by route pattern, method and status",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "foobar_http_request_duration_seconds",
    help: "Time from request to response inside the app",
    labelNames: ["route", "method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: "foobar_errors_total",
    help: "Errors met while answering: db (no database answered), handler (a bug), bad_request",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const pools = opts.pools;
  new Gauge({
    name: "foobar_db_pool_connections",
    help: "Connections of each database pool: total open, free, and requests queued for one",
    labelNames: ["endpoint", "role", "state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of pools?.() ?? []) {
        this.set({ endpoint: p.endpoint, role: p.role, state: "total" }, p.total);
        this.set({ endpoint: p.endpoint, role: p.role, state: "free" }, p.free);
        this.set({ endpoint: p.endpoint, role: p.role, state: "queued" }, p.queued);
      }
    },
  });
  new Gauge({
    name: "foobar_db_endpoint_up",
    help: "1 when the last use of the endpoint succeeded (minimum over workers)",
    labelNames: ["endpoint", "role"] as const,
    registers: [registry],
    aggregator: "min",
    collect() {
      this.reset();
      for (const p of pools?.() ?? []) this.set({ endpoint: p.endpoint, role: p.role }, p.up ? 1 : 0);
    },
  });
  const info = new Gauge({
    name: "foobar_app_info",
    help: "Always 1; labels give the app version and host",
    labelNames: ["version", "host"] as const,
    registers: [registry],
    aggregator: "max",
  });
  info.set({ version: opts.version, host: opts.hostName }, 1);
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route, method }, seconds);
    },
    countError(kind) {
      errors.inc({ kind });
    },
  };
}
