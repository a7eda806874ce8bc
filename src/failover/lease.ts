// The primary's lease (Patroni's pattern): the database agent of the writable server holds a key in etcd under a
// lease it keeps renewing, and its server may be writable only while that lease surely still exists.
import type { ConsensusStore } from "./etcd-client.js";
import { LeasedKey, type LeaseTiming } from "./leased-key.js";
import { ETCD_TIMING } from "../render/config/etcd.js";

/** The primary lease's timing (why its TTL is 5 s: render/config/etcd.ts, ETCD_TIMING.primaryLeaseTtlS). */
export const LEASE_TIMING = {
  /** Lease length granted by etcd: a dead primary's key is free again after at most this long (without a revoke). */
  ttlS: ETCD_TIMING.primaryLeaseTtlS,
  /**
   * The holder stops believing it holds the key this long before its lease could expire in etcd, counted from
   * when its last successful renewal was *sent*. With renewals every `everyMs`, a renewal answered up to
   * ttl - margin - everyMs (3.8 s) late keeps the server writable. The margin covers etcd starting the TTL when it
   * receives the request rather than when it was sent, and the two clocks' rates.
   */
  marginMs: 1000,
  /** Renewal period. */
  everyMs: 200,
  /** How long one call to etcd may take before the next member is tried. */
  callTimeoutMs: 600,
  /** A promotion waits this long at most for the key to become free (a lease not revoked runs out within ttlS). */
  acquireWaitMs: ETCD_TIMING.primaryLeaseTtlS * 1000 + 1000,
} as const;

/**
 * One database agent's side of the primary lease (a LeasedKey, leased-key.ts). `tick(want)` runs one round: renew
 * the lease if there is one, and when `want` (the server is writable, or about to become so) take the key if this
 * agent does not hold it; when not `want`, give the lease back. `holds(now)` is true only until `marginMs` before
 * the lease could expire in etcd, counted from when the last successful grant or renewal was sent (etcd starts the
 * TTL when it receives it, later): once it is false, etcd may give the key to another server, so this one must not
 * be writable any more. A lease revoked by someone else (the leading controller, after it found this server
 * lost) is noticed at the next renewal that reaches etcd (TTL 0). Rounds and releases run one at a time.
 */
export class PrimaryLease {
  private readonly leased: LeasedKey;
  private busy: Promise<void> | null = null;

  constructor(
    store: ConsensusStore,
    key: string,
    me: string,
    private readonly clock: () => number,
    timing: LeaseTiming = LEASE_TIMING,
    /** A lease id left by an earlier run of this agent (its server may still be writable under it). */
    previous: string | null = null,
    /** Called with the lease id whenever it changes (kept in a file, so a restarted agent picks it up). */
    remember: (id: string | null) => void = () => undefined,
  ) {
    this.leased = new LeasedKey(store, key, me, clock, timing, previous, remember);
  }

  /** True while this agent holds the key with time to spare. */
  holds(now = this.clock()): boolean {
    return this.leased.holds(now);
  }

  /** What `db status` shows: the lease id and how long the hold lasts still. */
  describe(now = this.clock()): { lease: string | null; holds: boolean; holdsForMs: number } {
    return this.leased.describe(now);
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
    return this.serial(() => this.leased.round(typeof want === "function" ? want() : want));
  }

  /** Gives the key back (the server was made read-only): a promotion elsewhere may take it at once. */
  release(): Promise<void> {
    return this.serial(() => this.leased.giveBack());
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
