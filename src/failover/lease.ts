// The primary's lease (Patroni's pattern): the database agent of the writable server holds a key in etcd under a
// lease it keeps renewing, and its server may be writable only while that lease surely still exists.
import type { ConsensusStore } from "./etcd-client.js";
import { ETCD_TIMING } from "../render/config/etcd.js";

/** The primary lease's timing (etcd 3.4 grants at least 2 s with its default 1 s election timeout). */
export const LEASE_TIMING = {
  /** Lease length granted by etcd: a dead primary's key is free again after at most this long (without a revoke). */
  ttlS: ETCD_TIMING.primaryLeaseTtlS,
  /**
   * The holder stops believing it holds the key this long before its lease could expire in etcd, counted from
   * when its last successful renewal was *sent*. With renewals every `everyMs`, a renewal answered up to
   * ttl - margin - everyMs (1.1 s) late keeps the server writable.
   */
  marginMs: 700,
  /** Renewal period. */
  everyMs: 200,
  /** How long one call to etcd may take before the next member is tried. */
  callTimeoutMs: 600,
  /** A promotion waits this long at most for the key to become free (a lease not revoked runs out within ttlS). */
  acquireWaitMs: 3000,
} as const;

/**
 * One database agent's side of the primary lease. `tick(want)` runs one round: renew the lease if there is one,
 * and when `want` (the server is writable, or about to become so) take the key if this agent does not hold it;
 * when not `want`, give the lease back. `holds(now)` is true only until `marginMs` before the lease could
 * expire in etcd, counted from when the last successful grant or renewal was sent (etcd starts the TTL when it
 * receives it, later): once it is false, etcd may give the key to another server, so this one must not be
 * writable any more. A lease revoked by someone else (the leading controller, after it found this server
 * lost) is noticed at the next renewal that reaches etcd (TTL 0).
 */
export class PrimaryLease {
  private lease: string | null = null;
  private holding = false;
  /** Until when (monotonic ms) this agent may keep its server writable; 0: it does not hold the key. */
  private holdUntil = 0;
  private renewedSentAt = 0;
  private ttlMs = 0;
  private busy: Promise<void> | null = null;

  constructor(
    private readonly store: ConsensusStore,
    private readonly key: string,
    private readonly me: string,
    private readonly clock: () => number,
    private readonly timing: { ttlS: number; marginMs: number } = LEASE_TIMING,
    /** A lease id left by an earlier run of this agent (its server may still be writable under it). */
    previous: string | null = null,
    /** Called with the lease id whenever it changes (kept in a file, so a restarted agent picks it up). */
    private readonly remember: (id: string | null) => void = () => undefined,
  ) {
    this.lease = previous;
  }

  /** True while this agent holds the key with time to spare. */
  holds(now = this.clock()): boolean {
    return this.holding && now < this.holdUntil;
  }

  /** What `db status` shows: the lease id and how long the hold lasts still. */
  describe(now = this.clock()): { lease: string | null; holds: boolean; holdsForMs: number } {
    return { lease: this.lease, holds: this.holds(now), holdsForMs: this.holds(now) ? this.holdUntil - now : 0 };
  }

  /** One round at a time: a call while one runs waits for it, then runs its own. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const prev = this.busy;
    const p = (async () => {
      if (prev) await prev.catch(() => undefined);
      await fn();
    })();
    this.busy = p;
    void p.finally(() => {
      if (this.busy === p) this.busy = null;
    });
    return p;
  }

  /** One round; `want` is asked when the round starts (not when it is queued): does the server need the key now? */
  tick(want: boolean | (() => boolean)): Promise<void> {
    return this.serial(() => this.round(typeof want === "function" ? want() : want));
  }

  private async round(want: boolean): Promise<void> {
    try {
      if (this.lease) {
        const sent = this.clock();
        const ttl = await this.store.keepAlive(this.lease);
        if (ttl > 0) {
          this.renewedSentAt = sent;
          this.ttlMs = ttl * 1000;
          if (this.holding) this.holdUntil = sent + this.ttlMs - this.timing.marginMs;
        } else {
          this.drop();
        }
      }
      if (!want) {
        if (this.lease) await this.giveBack();
        return;
      }
      if (!this.lease) {
        const sent = this.clock();
        const id = await this.store.grant(this.timing.ttlS);
        this.lease = id;
        this.remember(id);
        this.renewedSentAt = sent;
        this.ttlMs = this.timing.ttlS * 1000;
        this.holding = false;
      }
      if (!this.holding && (await this.store.createIfAbsent(this.key, this.me, this.lease))) {
        // the key lives as long as the lease, which was last renewed (not now): count from that renewal
        this.holding = true;
        this.holdUntil = this.renewedSentAt + this.ttlMs - this.timing.marginMs;
      }
    } catch {
      // etcd unreachable or without quorum: the hold runs out on its own at holdUntil
    }
    if (this.holding && !this.holds()) {
      // the lease may still exist in etcd, but it cannot be counted on any more: start over with a new one
      this.drop();
    }
  }

  private drop(): void {
    this.holding = false;
    this.holdUntil = 0;
    this.lease = null;
    this.remember(null);
  }

  private async giveBack(): Promise<void> {
    const lease = this.lease;
    this.drop();
    if (lease) await this.store.revoke(lease).catch(() => undefined);
  }

  /** Gives the key back (the server was made read-only): a promotion elsewhere may take it at once. */
  release(): Promise<void> {
    return this.serial(() => this.giveBack());
  }

  /** Takes the key before the server becomes writable; waits up to `waitMs` for it to be free; true when held. */
  async acquire(waitMs: number, sleep: (ms: number) => Promise<void>): Promise<boolean> {
    const deadline = this.clock() + waitMs;
    for (;;) {
      await this.tick(true);
      if (this.holds()) return true;
      if (this.clock() >= deadline) return false;
      await sleep(100);
    }
  }
}

/**
 * Revokes the lease under which `host` holds the primary key (the leading controller, once it found `host` lost
 * after its second-opinion checks): the key goes at once, so the promotion need not wait for it to run out. True
 * when `host` held it and the lease was revoked. The lost primary, if it is only cut off, stops being writable by
 * itself: at its next renewal that reaches etcd (it finds TTL 0), or when its hold runs out (see PrimaryLease).
 */
export async function revokePrimaryLease(store: ConsensusStore, key: string, host: string): Promise<boolean> {
  const held = await store.holder(key);
  if (!held || held.value !== host || held.lease === "0") return false;
  await store.revoke(held.lease);
  return true;
}
