// Messages between the runner's primary process and its foobar workers (node:cluster IPC).
import type { MetricObjectWithValues, MetricValue } from "prom-client";

/** Worker metrics as prom-client's getMetricsAsJSON gives them. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Sent by the primary to a worker. */
export type ToWorker =
  | { type: "stacklab:health"; id: number }
  | { type: "stacklab:metrics"; id: number }
  | { type: "stacklab:aggregate-result"; id: number; contentType: string; body: string }
  | { type: "stacklab:listen" }
  | { type: "stacklab:sync-ack"; id: number }
  | { type: "stacklab:shutdown"; timeoutMs: number };

/** Sent by a worker to the primary. */
export type FromWorker =
  | { type: "stacklab:booted" }
  | { type: "stacklab:sync"; id: number }
  | { type: "stacklab:health-result"; id: number; status: number; body: string }
  | { type: "stacklab:metrics-result"; id: number; metrics: MetricsJson }
  | { type: "stacklab:aggregate"; id: number };

/** True for a message of this protocol with the given type. */
export function isMessage<T extends { type: string }, K extends T["type"]>(value: unknown, type: K): value is Extract<T, { type: K }> {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === type;
}
