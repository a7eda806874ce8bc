// When to start a crashed worker again: exponential backoff per slot, reset after a stable run,
// and at most `maxRestarts` restarts per `windowMs` across all slots (a crash loop cannot spin).

/** The policy's knobs. */
export interface RestartPolicyOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A worker that ran this long before crashing starts again from the base delay. */
  stableAfterMs: number;
  maxRestarts: number;
  windowMs: number;
}

/** Defaults: 100 ms doubling to 5 s, stable after 10 s, at most 20 restarts a minute. */
export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = { baseDelayMs: 100, maxDelayMs: 5000, stableAfterMs: 10_000, maxRestarts: 20, windowMs: 60_000 };

/** A slot's crash history, kept by the supervisor. */
export interface SlotHistory {
  /** Crashes in a row, each after a short run. */
  consecutive: number;
}

/** The decision for one crash. */
export interface RestartDecision {
  delayMs: number;
  /** True when the rate limit, not the backoff, set the delay. */
  throttled: boolean;
}

/** Decides restart delays; `now` is injectable for tests. */
export class RestartPolicy {
  private readonly restarts: number[] = [];

  constructor(
    readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash of a worker started at `startedAt` and returns how long to wait before starting it again. */
  onCrash(slot: SlotHistory, startedAt: number): RestartDecision {
    const now = this.now();
    const o = this.options;
    slot.consecutive = now - startedAt >= o.stableAfterMs ? 1 : slot.consecutive + 1;
    const backoff = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (slot.consecutive - 1));
    while (this.restarts.length > 0 && (this.restarts[0] ?? 0) <= now - o.windowMs) this.restarts.shift();
    let delayMs = backoff;
    let throttled = false;
    if (this.restarts.length >= o.maxRestarts) {
      const oldest = this.restarts[this.restarts.length - o.maxRestarts] ?? now;
      const windowDelay = oldest + o.windowMs - now;
      if (windowDelay > delayMs) {
        delayMs = windowDelay;
        throttled = true;
      }
    }
    this.restarts.push(now + delayMs);
    return { delayMs, throttled };
  }
}
