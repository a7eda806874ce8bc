// Demo mode: keeps WORKERS foobar processes (node:cluster, one shared port), restarts crashed ones,
// reloads without dropping requests (new workers pass health before they listen, then the old
// ones drain), and stops gracefully.
import cluster, { type Worker } from "node:cluster";
import { readAppConfig, TICKET_KEYS_ENV } from "../config.js";
import { isMessage, type FromWorker, type ToWorker } from "../ipc.js";
import { logEvent } from "../log.js";
import { ClusterMetrics } from "./metrics-aggregator.js";
import { RestartPolicy } from "./restart-policy.js";
import { cancelRestarts, CrashRestarts, newSlot, ReloadGate, type ReloadOutcome, type SlotBase } from "./supervision.js";
import { waitFor } from "./wait.js";
import { randomBytes } from "node:crypto";

/** Timings of the supervisor. */
export const CLUSTER_TIMINGS = {
  /** How long a new worker gets to boot, pass health and listen during a reload. */
  readyTimeoutMs: 20_000,
  /** How long a retiring worker may drain before it is killed. */
  drainTimeoutMs: 10_000,
  healthPollMs: 250,
} as const;

type Slot = SlotBase & { worker: Worker | undefined };

/** The primary process of demo mode. */
export class ClusterSupervisor {
  private slots: Slot[] = [];
  private generation = 0;
  private readonly retiring = new Map<number, Promise<void>>();
  private readonly booted = new Set<number>();
  private readonly health = new Map<number, (r: { status: number; body: string }) => void>();
  private nextRequest = 1;
  private stopping = false;
  private env: Record<string, string>;
  /**
   * TLS session-ticket keys shared by every worker of this runner (node:tls makes random ones per process
   * otherwise): a proxy resuming a TLS session lands on any worker, and one that does not know the ticket
   * would make it pay a full handshake. Made at start, in memory and the workers' environment only.
   */
  private readonly ticketKeys = randomBytes(48).toString("hex");
  readonly metrics = new ClusterMetrics();
  private readonly restarts: CrashRestarts;
  private readonly reloads = new ReloadGate(() => this.stopping, this.metrics);

  /** `loadEnv` is called at start and on every reload (the env file is read again). */
  constructor(
    private readonly loadEnv: () => Record<string, string>,
    workerExec: string,
    policy = new RestartPolicy(),
  ) {
    this.restarts = new CrashRestarts(policy, this.metrics);
    this.env = loadEnv();
    // Round robin in the primary (Linux's default, made explicit): the reload's hand-back of
    // in-flight connections relies on the primary accepting them.
    cluster.schedulingPolicy = cluster.SCHED_RR;
    cluster.setupPrimary({ exec: workerExec });
    cluster.on("exit", (worker, code, signal) => this.onExit(worker, code, signal));
    cluster.on("message", (worker, message) => this.onMessage(worker, message));
  }

  /** Forks the workers; they listen at once (no health gate at bring-up: the database may come later). */
  start(): void {
    const config = readAppConfig(this.env);
    this.generation = 1;
    this.slots = Array.from({ length: config.workers }, (_, index) => newSlot(index, { worker: undefined as Worker | undefined }));
    for (const slot of this.slots) this.startSlot(slot, "start");
    this.metrics.workers.set(this.slots.length);
    logEvent("runner", "runner-started", { mode: "demo", workers: config.workers, port: config.port, version: config.version, pid: process.pid });
  }

  private fork(slotIndex: number, reason: string, generation: number): Worker {
    const worker = cluster.fork({ ...this.env, STACKLAB_WORKER_SLOT: String(slotIndex), STACKLAB_GENERATION: String(generation), [TICKET_KEYS_ENV]: this.ticketKeys });
    worker.on("error", (e) => logEvent("runner", "worker-ipc-error", { pid: worker.process.pid, error: e.message }));
    logEvent("runner", "worker-started", { slot: slotIndex, pid: worker.process.pid, generation, reason, version: this.env.APP_VERSION });
    return worker;
  }

  private startSlot(slot: Slot, reason: string): void {
    const worker = this.fork(slot.index, reason, this.generation);
    slot.worker = worker;
    slot.startedAt = Date.now();
    // No health gate here: at bring-up or after a crash the database may be down, and a worker
    // answering 503 pages still tells the user more than a refused connection.
    worker.once("stacklab:booted", () => this.send(worker, { type: "stacklab:listen" }));
  }

  private send(worker: Worker, message: ToWorker): void {
    if (worker.isConnected()) worker.send(message, undefined, () => undefined);
  }

  private onMessage(worker: Worker, message: unknown): void {
    if (this.metrics.handleMessage(message)) return;
    if (isMessage<FromWorker, "stacklab:booted">(message, "stacklab:booted")) {
      this.booted.add(worker.id);
      worker.emit("stacklab:booted");
    } else if (isMessage<FromWorker, "stacklab:sync">(message, "stacklab:sync")) {
      this.send(worker, { type: "stacklab:sync-ack", id: message.id });
    } else if (isMessage<FromWorker, "stacklab:health-result">(message, "stacklab:health-result")) {
      this.health.get(message.id)?.({ status: message.status, body: message.body });
    } else if (isMessage<FromWorker, "stacklab:aggregate">(message, "stacklab:aggregate")) {
      const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !this.retiring.has(w.id) && this.booted.has(w.id));
      void this.metrics
        .render(live)
        .then((m) => this.send(worker, { type: "stacklab:aggregate-result", id: message.id, ...m }))
        .catch((e: unknown) => this.send(worker, { type: "stacklab:aggregate-result", id: message.id, contentType: "text/plain", body: `# metrics failed: ${String(e)}\n` }));
    }
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.booted.delete(worker.id);
    const pid = worker.process.pid;
    if (this.retiring.has(worker.id)) {
      logEvent("runner", "worker-exited", { pid, code, signal, planned: true });
      return;
    }
    const slot = this.slots.find((s) => s.worker === worker);
    if (this.stopping || !slot) {
      logEvent("runner", "worker-exited", { pid, code, signal, planned: this.stopping });
      return;
    }
    slot.worker = undefined;
    this.restarts.crashed(
      slot,
      { pid, code, signal },
      () => this.startSlot(slot, "restart"),
      () => !this.stopping && this.slots.includes(slot),
    );
  }

  private waitBooted(worker: Worker, timeoutMs: number): Promise<void> {
    if (this.booted.has(worker.id)) return Promise.resolve();
    return waitFor(worker, "stacklab:booted", timeoutMs, `worker ${worker.process.pid} to boot`);
  }

  private askHealth(worker: Worker, timeoutMs: number): Promise<{ status: number; body: string }> {
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.health.delete(id);
        resolve({ status: 0, body: "no answer" });
      }, timeoutMs);
      this.health.set(id, (r) => {
        clearTimeout(timer);
        this.health.delete(id);
        resolve(r);
      });
      this.send(worker, { type: "stacklab:health", id });
    });
  }

  /** Boots a worker, polls its in-process health until 200, then has it listen. */
  private async makeReady(worker: Worker, deadline: number): Promise<void> {
    const exited = new Promise<never>((_, reject) =>
      worker.once("exit", (code, signal) => reject(new Error(`worker ${worker.process.pid} exited (code ${code}, signal ${signal}) before it was ready`))),
    );
    exited.catch(() => undefined);
    await Promise.race([this.waitBooted(worker, deadline - Date.now()), exited]);
    let last = { status: 0, body: "" };
    for (;;) {
      last = await Promise.race([this.askHealth(worker, 2000), exited]);
      if (last.status === 200) break;
      if (Date.now() + CLUSTER_TIMINGS.healthPollMs > deadline) throw new Error(`worker ${worker.process.pid} failed its health check: status ${last.status} ${last.body.slice(0, 200).trim()}`);
      await new Promise((r) => setTimeout(r, CLUSTER_TIMINGS.healthPollMs));
    }
    const listening = waitFor(worker, "listening", deadline - Date.now(), `worker ${worker.process.pid} to listen`);
    this.send(worker, { type: "stacklab:listen" });
    await Promise.race([listening, exited]);
  }

  private retire(worker: Worker): Promise<void> {
    const known = this.retiring.get(worker.id);
    if (known) return known;
    const done = new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      const kill = setTimeout(() => {
        logEvent("runner", "worker-killed", { pid: worker.process.pid, reason: "drain timeout" });
        worker.process.kill("SIGKILL");
      }, CLUSTER_TIMINGS.drainTimeoutMs + 3000);
      worker.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      // A worker that has not booted has no handler for the message yet, nor requests to drain.
      if (this.booted.has(worker.id)) this.send(worker, { type: "stacklab:shutdown", timeoutMs: CLUSTER_TIMINGS.drainTimeoutMs });
      else worker.process.kill("SIGTERM");
    });
    this.retiring.set(worker.id, done);
    void done.then(() => this.retiring.delete(worker.id));
    return done;
  }

  /** Graceful reload: read the env file again, start a new set of workers, wait until each is healthy and listening, then drain the old set. */
  reload(): Promise<ReloadOutcome> {
    return this.reloads.run(() => this.replaceWorkers());
  }

  private async replaceWorkers(): Promise<"done" | "failed"> {
    const started = Date.now();
    logEvent("runner", "reload-begin", { generation: this.generation + 1 });
    let workers: number;
    try {
      const env = this.loadEnv();
      workers = readAppConfig(env).workers;
      this.env = env;
    } catch (e) {
      logEvent("runner", "reload-failed", { reason: `env: ${e instanceof Error ? e.message : String(e)}` });
      return "failed";
    }
    this.generation += 1;
    const fresh = Array.from({ length: workers }, (_, i) => this.fork(i, "reload", this.generation));
    const deadline = Date.now() + CLUSTER_TIMINGS.readyTimeoutMs;
    try {
      await Promise.all(fresh.map((w) => this.makeReady(w, deadline)));
    } catch (e) {
      logEvent("runner", "reload-failed", { reason: e instanceof Error ? e.message : String(e), keeping: "old workers" });
      await Promise.all(fresh.map((w) => this.retire(w)));
      return "failed";
    }
    const old = this.slots;
    this.slots = fresh.map((worker, index) => ({ ...newSlot(index, { worker: worker as Worker | undefined }), startedAt: Date.now() }));
    this.metrics.workers.set(this.slots.length);
    logEvent("runner", "reload-switched", { newPids: fresh.map((w) => w.process.pid).join(","), draining: old.filter((s) => s.worker).length });
    cancelRestarts(old);
    await Promise.all(old.flatMap((s) => (s.worker ? [this.retire(s.worker)] : [])));
    logEvent("runner", "reload-end", { generation: this.generation, durationMs: Date.now() - started, version: this.env.APP_VERSION });
    return "done";
  }

  /** Drains every worker (killing those that outlast the drain timeout) and resolves when all are gone. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    logEvent("runner", "shutdown-begin", { workers: Object.keys(cluster.workers ?? {}).length });
    cancelRestarts(this.slots);
    const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(all.map((w) => this.retire(w)));
    logEvent("runner", "shutdown-end");
  }
}
