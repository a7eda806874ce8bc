// What both supervisors (demo mode's node:cluster workers, custom mode's child processes) keep the same way:
// their slots' crash restarts with backoff, one reload at a time (a reload asked meanwhile runs once after it),
// and the runner's own metrics.
import { Counter, Gauge, Registry } from "prom-client";
import { logEvent } from "../log.js";
import type { RestartPolicy, SlotHistory } from "./restart-policy.js";

/** What a reload ended with. */
export type ReloadOutcome = "done" | "failed" | "queued";

/** The runner's own metrics: served with the workers' in demo mode (`/metrics`), kept alike in custom mode. */
export class RunnerMetrics {
  readonly registry = new Registry();
  readonly workers = new Gauge({ name: "stacklab_runner_workers", help: "Workers the runner keeps running", registers: [this.registry] });
  readonly restarts = new Counter({ name: "stacklab_runner_restarts_total", help: "Workers started again after an unexpected exit", registers: [this.registry] });
  readonly reloads = new Counter({ name: "stacklab_runner_reloads_total", help: "Graceful reloads, by outcome", labelNames: ["outcome"] as const, registers: [this.registry] });
}

/** One place a worker runs in, across its restarts. */
export interface SlotBase {
  index: number;
  startedAt: number;
  history: SlotHistory;
  /** The pending restart after a crash. */
  timer: NodeJS.Timeout | undefined;
}

/** A new slot that has not run yet. */
export function newSlot<T extends object>(index: number, extra: T): SlotBase & T {
  return { index, startedAt: 0, history: { consecutive: 0 }, timer: undefined, ...extra };
}

/** Cancels the pending restarts of slots that are being replaced or stopped. */
export function cancelRestarts(slots: readonly SlotBase[]): void {
  for (const s of slots) {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
  }
}

/** Restarts crashed workers after the policy's delay, counting and logging each. */
export class CrashRestarts {
  constructor(
    private readonly policy: RestartPolicy,
    private readonly metrics: RunnerMetrics,
  ) {}

  /**
   * A slot's worker exited unexpectedly: logs it and starts `restart` after the policy's delay, unless
   * `wanted` says by then that the slot is no longer used (a reload replaced it, the runner stops).
   */
  crashed(slot: SlotBase, exit: { pid: number | undefined; code: number | null; signal: string | null }, restart: () => void, wanted: () => boolean): void {
    const decision = this.policy.onCrash(slot.history, slot.startedAt);
    logEvent("runner", "worker-exited", { slot: slot.index, pid: exit.pid, code: exit.code, signal: exit.signal, planned: false, uptimeMs: Date.now() - slot.startedAt });
    logEvent("runner", "worker-restarting", { slot: slot.index, delayMs: decision.delayMs, throttled: decision.throttled, crashesInARow: slot.history.consecutive });
    this.metrics.restarts.inc();
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (wanted()) restart();
    }, decision.delayMs);
  }
}

/** One reload at a time: a reload asked while one runs is queued and runs once after it; none once stopping. */
export class ReloadGate {
  private running = false;
  private again = false;

  constructor(
    private readonly stopping: () => boolean,
    private readonly metrics: RunnerMetrics,
  ) {}

  /** Runs `reload` now, or queues it; counts each finished reload by outcome. */
  async run(reload: () => Promise<"done" | "failed">): Promise<ReloadOutcome> {
    if (this.stopping()) return "failed";
    if (this.running) {
      this.again = true;
      logEvent("runner", "reload-queued");
      return "queued";
    }
    this.running = true;
    try {
      const outcome = await reload();
      this.metrics.reloads.inc({ outcome });
      return outcome;
    } finally {
      this.running = false;
      if (this.again && !this.stopping()) {
        this.again = false;
        void this.run(reload);
      }
    }
  }
}
