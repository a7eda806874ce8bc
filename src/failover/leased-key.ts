// A key held in etcd under a lease the holder keeps renewing: the one implementation behind the controllers' leader
// election (election.ts) and the database agent's primary lease (lease.ts).
import type { ConsensusStore } from "./etcd-client.js";

/** How long a lease lasts in etcd, and how long before it could expire there its holder stops counting on it. */
export interface LeaseTiming {
  /** Lease length asked of etcd (renewals use the TTL etcd answers). */
  ttlS: number;
  /** The holder stops believing it holds the key this long before the lease could expire in etcd. */
  marginMs: number;
  /**
   * With this, the holder rewrites the key at every round (a heartbeat: its revision in etcd moves) and counts
   * its hold only from rounds whose rewrite succeeded; a contender that sees the key's revision stand still this
   * long (on its own clock, from the answer that first showed it) takes the key over, whatever its lease says.
   * Must be at least ttl - margin: the holder stopped believing by then. Why: a new etcd leader extends every
   * lease to a full TTL plus its election timeout (etcd's lessor Promote), so a dead holder's lease outlives it
   * by the time etcd takes to elect plus TTL + 1 s when it died with the etcd leader (its host's member).
   */
  takeOverAfterMs?: number;
}

/**
 * One member's side of a key under a lease. `round(want)` renews the lease if there is one (a TTL of 0 means it
 * expired or someone else revoked it: dropped); when `want`, it grants a lease if there is none and takes the key
 * if it is free (or already under this lease); when not `want`, it gives the lease back. `holds(now)` is true only
 * until `marginMs` before the lease could expire in etcd, counted from when the last successful grant or renewal
 * was *sent*: etcd starts the TTL when it receives the request, which is later, so the holder always stops
 * believing before etcd can give the key to someone else. Rounds must not overlap (the callers run one at a time).
 */
export class LeasedKey {
  private lease: string | null;
  private holding = false;
  /** Until when (monotonic ms) the key may be counted on; 0: not held. */
  private holdUntil = 0;
  /** When the last successful grant or renewal of the lease was sent: etcd's expiry is at least this plus the TTL. */
  private renewedSentAt = 0;
  private ttlMs = 0;
  /** With takeOverAfterMs: the other holder's key revision last seen, and when it was first seen (an answer's arrival). */
  private seen: { revision: string; at: number } | null = null;

  constructor(
    private readonly store: ConsensusStore,
    private readonly key: string,
    private readonly me: string,
    private readonly clock: () => number,
    private readonly timing: LeaseTiming,
    /** A lease id left by an earlier run (the key may still live under it): renewed, and the key taken under it. */
    previous: string | null = null,
    /** Called with the lease id whenever it changes (so a restarted holder can pick it up). */
    private readonly remember: (id: string | null) => void = () => undefined,
  ) {
    this.lease = previous;
  }

  /** True while this member holds the key with time to spare. */
  holds(now = this.clock()): boolean {
    return this.holding && now < this.holdUntil;
  }

  /** The current lease id (null: none), and how long the hold lasts still (0: not held). */
  describe(now = this.clock()): { lease: string | null; holds: boolean; holdsForMs: number } {
    const holds = this.holds(now);
    return { lease: this.lease, holds, holdsForMs: holds ? this.holdUntil - now : 0 };
  }

  /** One round: renew; then take the key (`want`) or give the lease back (not `want`). */
  async round(want: boolean): Promise<void> {
    try {
      if (this.lease) {
        const sent = this.clock();
        const ttl = await this.store.keepAlive(this.lease);
        if (ttl > 0) {
          this.renewedSentAt = sent;
          this.ttlMs = ttl * 1000;
          if (this.holding) {
            // with heartbeats, the hold runs on only while the rewrite of the key goes through (sent after the renewal)
            const beat = this.timing.takeOverAfterMs === undefined || (await this.store.beat(this.key, this.me, this.lease));
            if (beat) this.holdUntil = sent + this.ttlMs - this.timing.marginMs;
            else {
              // the key is someone else's now (taken over), or gone: this holder stops believing at once
              this.holding = false;
              this.holdUntil = 0;
            }
          }
        } else if (!(this.holding && (await this.stillMine(this.lease)))) {
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
      if (!this.holding && (await this.claim(this.lease))) {
        // the key lives as long as the lease, which was last renewed (not now): count from that renewal
        this.holding = true;
        this.holdUntil = this.renewedSentAt + this.ttlMs - this.timing.marginMs;
        this.seen = null;
      }
    } catch {
      // etcd unreachable or without quorum: the hold runs out on its own at holdUntil
    }
    if (this.holding && !this.holds()) {
      // the lease may still exist in etcd, but it cannot be counted on any more: start over with a new one
      this.drop();
    }
  }

  /**
   * Takes the key if it is free or already under `lease`. With takeOverAfterMs, it reads the key first (a read,
   * not a transaction through etcd's log, at each round of a contender), and takes it over from a holder whose
   * heartbeat stood still that long: only if its revision is still the one seen (a transaction on it).
   */
  private async claim(lease: string): Promise<boolean> {
    const after = this.timing.takeOverAfterMs;
    if (after === undefined) return this.store.createIfAbsent(this.key, this.me, lease);
    const held = await this.store.holder(this.key);
    if (!held) {
      this.seen = null;
      return this.store.createIfAbsent(this.key, this.me, lease);
    }
    // its own key (an earlier attempt whose answer was lost): counted on only once rewritten, since a contender
    // may have watched its revision stand still since it was written
    if (held.lease === lease && held.value === this.me) return this.store.beat(this.key, this.me, lease);
    const now = this.clock();
    if (this.seen?.revision !== held.revision) {
      this.seen = { revision: held.revision, at: now };
      return false;
    }
    if (now - this.seen.at < after) return false;
    return this.store.takeOver(this.key, this.me, lease, held.revision);
  }

  /**
   * After a renewal answered without a TTL (etcd's "lease not found"): is the key still held under `lease`? A lease
   * that expired or was revoked takes its keys with it in the same step, and the read is linearizable, so a key
   * still under it proves the lease lives; the renewal then counts as failed, not as a loss (the hold runs out on
   * its own if no later renewal succeeds). Why: right after a grant, a renewal can reach a member that has not yet
   * applied it and answers "not found"; a primary that had just taken the key fenced itself for that at a lab's
   * start (3 of a suite run's design-3 bring-ups, and 1 of 1 started from a parent process).
   */
  private async stillMine(lease: string): Promise<boolean> {
    const held = await this.store.holder(this.key);
    return held !== null && held.lease === lease && held.value === this.me;
  }

  /** Forgets the lease at once, then revokes it in etcd (its key goes with it); a failed revoke is left to the TTL. */
  async giveBack(): Promise<void> {
    const lease = this.lease;
    this.drop();
    if (lease) await this.store.revoke(lease).catch(() => undefined);
  }

  private drop(): void {
    this.holding = false;
    this.holdUntil = 0;
    this.lease = null;
    this.remember(null);
  }
}
