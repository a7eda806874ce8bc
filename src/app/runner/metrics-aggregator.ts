// /metrics in cluster mode: the primary asks each live worker for its registry over IPC and sums
// them with prom-client's AggregatorRegistry, adding its own runner metrics. One scrape, one
// answer for the whole host, whichever worker took the request.
import type { Worker } from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import { isMessage, type FromWorker, type MetricsJson, type ToWorker } from "../ipc.js";
import { RunnerMetrics } from "./supervision.js";

/** Per-worker wait for its metrics; a worker that does not answer (starting, stopping) is left out. */
export const WORKER_METRICS_TIMEOUT_MS = 1000;

/** The runner's own metrics plus the aggregation of its workers'. */
export class ClusterMetrics extends RunnerMetrics {
  private nextId = 1;
  private readonly pending = new Map<number, { left: number; parts: MetricsJson[]; done: () => void }>();

  /** Feeds a worker's message in; true when it was a metrics answer. */
  handleMessage(message: unknown): boolean {
    if (!isMessage<FromWorker, "stacklab:metrics-result">(message, "stacklab:metrics-result")) return false;
    const request = this.pending.get(message.id);
    if (request) {
      request.parts.push(message.metrics);
      request.left -= 1;
      if (request.left === 0) request.done();
    }
    return true;
  }

  /** Collects every given worker's metrics (waiting at most WORKER_METRICS_TIMEOUT_MS) and renders the sum. */
  async render(workers: Worker[]): Promise<{ contentType: string; body: string }> {
    const live = workers.filter((w) => w.isConnected());
    const id = this.nextId++;
    const parts: MetricsJson[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WORKER_METRICS_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.pending.set(id, { left: live.length, parts, done });
      if (live.length === 0) done();
      for (const w of live) w.send({ type: "stacklab:metrics", id } satisfies ToWorker);
    });
    this.pending.delete(id);
    const own = await this.registry.getMetricsAsJSON();
    const merged = AggregatorRegistry.aggregate([...parts, own]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
