// One foobar app process: reads the env contract, opens the database pools, serves HTTP(S), and
// answers the runner's health, metrics and shutdown messages when it runs as a cluster worker.
import { readFileSync } from "node:fs";
import { readAppConfig, ticketKeysFromEnv } from "../config.js";
import { isMessage, type FromWorker, type ToWorker } from "../ipc.js";
import { logEvent } from "../log.js";
import { createApp } from "./app.js";
import { createAppMetrics } from "./metrics.js";
import { MysqlFoobarDb } from "./mysql-db.js";
import { serve } from "./node-adapter.js";

/** How long a worker lets in-flight requests finish when told to stop. */
export const DRAIN_TIMEOUT_MS = 10_000;

/** Starts a foobar worker from an environment; alone it resolves once listening, under the runner once it awaits the listen order. */
export async function runFoobarWorker(env: NodeJS.ProcessEnv): Promise<void> {
  const config = readAppConfig(env);
  const identity = { hostName: config.hostName, pid: process.pid, version: config.version };
  const db = new MysqlFoobarDb(config);
  const metrics = createAppMetrics({ version: config.version, hostName: config.hostName, pools: () => db.poolStats() });
  const send = process.send
    ? (m: FromWorker) => {
        if (process.connected) process.send?.(m, undefined, {}, () => undefined);
      }
    : undefined;

  let nextId = 1;
  const pending = new Map<number, (m: Extract<ToWorker, { type: "stacklab:aggregate-result" }>) => void>();
  const metricsText = send
    ? () =>
        new Promise<{ contentType: string; body: string }>((resolve, reject) => {
          const id = nextId++;
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error("the runner did not answer with the cluster's metrics within 3 s"));
          }, 3000);
          pending.set(id, (m) => {
            clearTimeout(timer);
            resolve({ contentType: m.contentType, body: m.body });
          });
          send({ type: "stacklab:aggregate", id });
        })
    : undefined;

  const handler = createApp({ db, identity, metrics, metricsText });
  const tls = config.tls.cert && config.tls.key ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key), ticketKeys: ticketKeysFromEnv() } : undefined;
  const app = serve(handler, tls);

  // Node's cluster may have sent us a connection just before it saw our listener close; we hand
  // such a connection back only while alive. A round trip with the primary after closing proves
  // every earlier message has arrived (IPC is ordered), so exiting then loses no connection.
  const syncWithPrimary = () =>
    new Promise<void>((resolve) => {
      if (!send) return resolve();
      const id = nextId++;
      const timer = setTimeout(resolve, 2000);
      syncs.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      send({ type: "stacklab:sync", id });
    });
  const syncs = new Map<number, () => void>();

  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs: number) => {
    stopping ??= (async () => {
      const { forced } = await app.drain(timeoutMs);
      await syncWithPrimary();
      logEvent("app", "worker-drained", { pid: process.pid, forced });
      await db.close();
      process.exit(0);
    })();
    return stopping;
  };

  process.on("message", (message: unknown) => {
    if (isMessage<ToWorker, "stacklab:health">(message, "stacklab:health")) {
      void handler({ method: "GET", url: config.healthPath, headers: {}, body: "" }).then((res) => send?.({ type: "stacklab:health-result", id: message.id, status: res.status, body: res.body }));
    } else if (isMessage<ToWorker, "stacklab:metrics">(message, "stacklab:metrics")) {
      void metrics.registry.getMetricsAsJSON().then((m) => send?.({ type: "stacklab:metrics-result", id: message.id, metrics: m }));
    } else if (isMessage<ToWorker, "stacklab:aggregate-result">(message, "stacklab:aggregate-result")) {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    } else if (isMessage<ToWorker, "stacklab:sync-ack">(message, "stacklab:sync-ack")) {
      syncs.get(message.id)?.();
      syncs.delete(message.id);
    } else if (isMessage<ToWorker, "stacklab:shutdown">(message, "stacklab:shutdown")) {
      void stop(message.timeoutMs);
    }
  });
  // A reload signal sent to the whole process group is the runner's business, not the worker's.
  process.on("SIGHUP", () => undefined);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void stop(DRAIN_TIMEOUT_MS));

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      app.server.once("error", reject);
      app.server.listen(config.port, config.listenAddress, () => {
        app.server.off("error", reject);
        logEvent("app", "worker-listening", { pid: process.pid, port: config.port, version: config.version, https: tls !== undefined });
        resolve();
      });
    });
  if (!send) return listen();
  // Under the runner, listen only when told: during a reload it first checks our health in-process.
  process.on("message", (message: unknown) => {
    if (isMessage<ToWorker, "stacklab:listen">(message, "stacklab:listen") && !app.server.listening) {
      listen().catch((e: unknown) => {
        console.error(`foobar worker ${process.pid} cannot listen on port ${config.port}: ${String(e)}`);
        process.exit(1);
      });
    }
  });
  send({ type: "stacklab:booted" });
}
