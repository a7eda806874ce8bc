// Custom mode: runs APP_COMMAND as WORKERS child processes, each on its own loopback port
// (PORT+1+i), and spreads connections to PORT over the healthy ones. Restarts crashed children,
// reloads by starting a new set on other ports, and stops gracefully.
import { spawn, type ChildProcess } from "node:child_process";
import { readAppConfig, type AppConfig } from "../config.js";
import { logEvent } from "../log.js";
import { probeHealth } from "./http-probe.js";
import { RestartPolicy } from "./restart-policy.js";
import { cancelRestarts, CrashRestarts, newSlot, ReloadGate, RunnerMetrics, type ReloadOutcome, type SlotBase } from "./supervision.js";
import { TcpProxy } from "./tcp-proxy.js";
import { sleep } from "./wait.js";

/** Timings of custom mode. */
export const CUSTOM_TIMINGS = {
  readyTimeoutMs: 20_000,
  /** How long old children keep their proxied connections after a reload or at shutdown. */
  drainTimeoutMs: 10_000,
  /** How long a child has between SIGTERM and SIGKILL. */
  killTimeoutMs: 5000,
  healthPollMs: 200,
} as const;

/** Ports of the second set of children used while reloading: PORT+1+RELOAD_PORT_OFFSET+i. */
export const RELOAD_PORT_OFFSET = 64;

interface Child {
  proc: ChildProcess;
  port: number;
  healthy: boolean;
  exited: Promise<void>;
}

type Slot = SlotBase & { port: number; child: Child | undefined };

/** The runner of a user's own app. */
export class CustomSupervisor {
  private slots: Slot[] = [];
  private block = 0;
  private config: AppConfig;
  private env: Record<string, string>;
  private readonly retiring = new Set<ChildProcess>();
  private readonly children = new Set<Child>();
  private stopping = false;
  /** Kept as in demo mode; not served (the app's own /metrics answers on PORT). */
  readonly metrics = new RunnerMetrics();
  private readonly restarts: CrashRestarts;
  private readonly reloads = new ReloadGate(() => this.stopping, this.metrics);
  readonly proxy = new TcpProxy((port, error) => logEvent("runner", "backend-refused", { port, error }));

  constructor(
    private readonly loadEnv: () => Record<string, string>,
    policy = new RestartPolicy(),
  ) {
    this.restarts = new CrashRestarts(policy, this.metrics);
    this.env = loadEnv();
    this.config = readAppConfig(this.env);
  }

  private makeSlots(config: AppConfig, block: number): Slot[] {
    return Array.from({ length: config.workers }, (_, index) => newSlot(index, { port: config.port + 1 + block * RELOAD_PORT_OFFSET + index, child: undefined as Child | undefined }));
  }

  /** Listens on PORT and starts the children. */
  async start(): Promise<void> {
    this.slots = this.makeSlots(this.config, this.block);
    await this.proxy.listen(this.config.port, this.config.listenAddress);
    for (const slot of this.slots) this.startSlot(slot, "start");
    this.metrics.workers.set(this.slots.length);
    logEvent("runner", "runner-started", { mode: "custom", workers: this.config.workers, port: this.config.port, command: this.config.command, pid: process.pid });
  }

  private spawnChild(slot: Slot, reason: string): Child {
    const proc = spawn("/bin/sh", ["-c", `exec ${this.config.command ?? "false"}`], {
      cwd: this.config.appDir,
      env: { ...this.env, PORT: String(slot.port), HOST: "127.0.0.1", WORKER_INDEX: String(slot.index), APP_VERSION: this.config.version, APP_HEALTH_PATH: this.config.healthPath },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const child: Child = { proc, port: slot.port, healthy: false, exited };
    this.children.add(child);
    void exited.then(() => this.children.delete(child));
    proc.on("error", (e) => logEvent("runner", "child-spawn-error", { slot: slot.index, error: e.message }));
    proc.once("exit", (code, signal) => this.onExit(slot, child, code, signal));
    logEvent("runner", "worker-started", { slot: slot.index, pid: proc.pid, port: slot.port, reason });
    return child;
  }

  private startSlot(slot: Slot, reason: string): void {
    const child = this.spawnChild(slot, reason);
    slot.child = child;
    slot.startedAt = Date.now();
    void this.untilHealthy(child, Number.POSITIVE_INFINITY).then((ok) => {
      if (ok) this.refreshBackends();
    });
  }

  /** Polls the child's health until it passes (true), the child exits or the deadline passes (false). */
  private async untilHealthy(child: Child, deadline: number): Promise<boolean> {
    let alive = true;
    void child.exited.then(() => (alive = false));
    let last = "";
    while (alive && !this.stopping && Date.now() < deadline) {
      const r = await probeHealth(child.port, this.config.healthPath, { https: this.config.tls.cert !== undefined });
      if (r.ok && alive) {
        child.healthy = true;
        logEvent("runner", "worker-healthy", { pid: child.proc.pid, port: child.port });
        return true;
      }
      last = r.error ?? "";
      await sleep(CUSTOM_TIMINGS.healthPollMs);
    }
    if (alive && !this.stopping) logEvent("runner", "worker-unhealthy", { pid: child.proc.pid, port: child.port, error: last });
    return false;
  }

  /** New connections go to healthy children; to every live one while none is healthy yet. */
  private refreshBackends(): void {
    const live = this.slots.flatMap((s) => (s.child ? [s.child] : []));
    const healthy = live.filter((c) => c.healthy);
    this.proxy.setBackends((healthy.length > 0 ? healthy : live).map((c) => c.port));
  }

  private onExit(slot: Slot, child: Child, code: number | null, signal: string | null): void {
    const pid = child.proc.pid;
    if (this.retiring.has(child.proc)) {
      this.retiring.delete(child.proc);
      logEvent("runner", "worker-exited", { pid, code, signal, planned: true });
      return;
    }
    if (slot.child !== child || this.stopping) {
      logEvent("runner", "worker-exited", { pid, code, signal, planned: this.stopping });
      return;
    }
    slot.child = undefined;
    this.refreshBackends();
    this.restarts.crashed(
      slot,
      { pid, code, signal },
      () => this.startSlot(slot, "restart"),
      () => !this.stopping && this.slots.includes(slot),
    );
  }

  /** SIGTERM, then SIGKILL after the kill timeout; resolves when the child is gone. */
  private async terminate(child: Child): Promise<void> {
    this.retiring.add(child.proc);
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
    child.proc.kill("SIGTERM");
    const killed = setTimeout(() => {
      logEvent("runner", "worker-killed", { pid: child.proc.pid, reason: "did not exit after SIGTERM" });
      child.proc.kill("SIGKILL");
    }, CUSTOM_TIMINGS.killTimeoutMs);
    await child.exited;
    clearTimeout(killed);
  }

  /** Waits until no proxied connection uses the ports (or the drain timeout passes). */
  private async drainPorts(ports: number[]): Promise<boolean> {
    const deadline = Date.now() + CUSTOM_TIMINGS.drainTimeoutMs;
    while (ports.some((p) => this.proxy.activeTo(p) > 0)) {
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  }

  /** Graceful reload: read the env file again, start a new set of children on the other port block, switch when all are healthy, drain and stop the old set. */
  reload(): Promise<ReloadOutcome> {
    return this.reloads.run(() => this.replaceChildren());
  }

  private async replaceChildren(): Promise<"done" | "failed"> {
    const started = Date.now();
    logEvent("runner", "reload-begin");
    try {
      const env = this.loadEnv();
      const config = readAppConfig(env);
      if (config.kind !== "custom") throw new Error("APP_KIND changed; restart the runner to change the kind of app");
      const previous = { env: this.env, config: this.config };
      this.env = env;
      this.config = { ...config, port: this.config.port };
      const block = 1 - this.block;
      const fresh = this.makeSlots(config, block);
      for (const slot of fresh) {
        slot.child = this.spawnChild(slot, "reload");
        slot.startedAt = Date.now();
      }
      const deadline = Date.now() + CUSTOM_TIMINGS.readyTimeoutMs;
      const ready = await Promise.all(fresh.map((s) => (s.child ? this.untilHealthy(s.child, deadline) : false)));
      if (!ready.every(Boolean)) {
        this.env = previous.env;
        this.config = previous.config;
        await Promise.all(fresh.flatMap((s) => (s.child ? [this.terminate(s.child)] : [])));
        logEvent("runner", "reload-failed", { reason: "new workers did not pass their health check in time", keeping: "old workers" });
        return "failed";
      }
      const old = this.slots;
      cancelRestarts(old);
      this.slots = fresh;
      this.block = block;
      this.metrics.workers.set(this.slots.length);
      this.refreshBackends();
      logEvent("runner", "reload-switched", { ports: this.proxy.ports.join(","), draining: old.filter((s) => s.child).length });
      const drained = await this.drainPorts(old.map((s) => s.port));
      await Promise.all(old.flatMap((s) => (s.child ? [this.terminate(s.child)] : [])));
      logEvent("runner", "reload-end", { durationMs: Date.now() - started, drained });
      return "done";
    } catch (e) {
      logEvent("runner", "reload-failed", { reason: e instanceof Error ? e.message : String(e) });
      return "failed";
    }
  }

  /** Stops accepting, lets open connections finish (up to the drain timeout), then stops every child. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    logEvent("runner", "shutdown-begin", { workers: this.slots.filter((s) => s.child).length });
    cancelRestarts(this.slots);
    await this.proxy.close(CUSTOM_TIMINGS.drainTimeoutMs);
    await Promise.all([...this.children].map((c) => this.terminate(c)));
    logEvent("runner", "shutdown-end");
  }
}
