// Leader election of the failover controllers through an etcd lease: one leads, the others wait to take over.
import type { ConsensusStore } from "./etcd-client.js";
import { LeasedKey, type LeaseTiming } from "./leased-key.js";
import { ETCD_TIMING } from "../render/config/etcd.js";

/** The election's timing (etcd's minimum lease is 2 s with its default election timeout of 1 s). */
export const ELECTION_TIMING = {
  /** Lease length granted by etcd: a dead leader's key is free again after at most this long. */
  ttlS: ETCD_TIMING.leaseTtlS,
  /**
   * A leader stops acting this long before its lease could expire in etcd. Renewals go out every `everyMs`, so a
   * leader keeps leading through answers up to ttl - margin - everyMs late (1.7 s: measured on a machine with a
   * load average of 68, renewals of 0.5 to 1.5 s made a 2 s lease with a 0.6 s margin change hands every few seconds).
   */
  marginMs: 1000,
  /** How long one call to etcd may take before the next member is tried. */
  callTimeoutMs: 1000,
  /** Campaign and renewal period. */
  everyMs: 300,
  /**
   * A standby takes the leader key over when the leader's heartbeat (its rewrite of the key at each renewal) has
   * not moved for this long, even if the leader's lease still runs in etcd (leased-key.ts): a new etcd leader
   * extends every lease by a full TTL and more, so a leader that died with its host's etcd member (the etcd leader)
   * kept the key 5 to 8 s (db-crash-leader). The TTL: a leader stops believing ttl - margin after its last
   * heartbeat was sent, before any standby can have seen it stand still this long.
   */
  takeOverAfterMs: ETCD_TIMING.leaseTtlS * 1000,
} as const;

/** Keys of a design in etcd (each lab has its own cluster). */
export function electionKeys(namespace: string): { leader: string; primary: string } {
  return { leader: `/stacklab/${namespace}/failover/leader`, primary: `/stacklab/${namespace}/failover/primary` };
}

/**
 * One controller's side of the election (a LeasedKey, leased-key.ts). `tick()` runs one round (grant or renew,
 * then try to take the key); `isLeader(now)` is true only until `marginMs` before the lease could expire, counted
 * from when the last successful grant or renewal was *sent*: etcd starts the lease's TTL when it receives the
 * request, which is later, so the leader always stops believing before etcd can give the key to someone else.
 */
export class Election {
  private readonly leased: LeasedKey;
  /** What the last tick reported, so a lead that ran out between ticks is still reported as lost. */
  private announced = false;

  constructor(
    store: ConsensusStore,
    key: string,
    me: string,
    private readonly clock: () => number,
    timing: LeaseTiming = ELECTION_TIMING,
  ) {
    this.leased = new LeasedKey(store, key, me, clock, timing);
  }

  /** True while this controller holds the leader key with time to spare. */
  isLeader(now = this.clock()): boolean {
    return this.leased.holds(now);
  }

  /** Runs one round; returns "elected" when leadership was just won, "lost" when just lost, else null. */
  async tick(): Promise<"elected" | "lost" | null> {
    await this.leased.round(true);
    const is = this.isLeader();
    const was = this.announced;
    this.announced = is;
    return is && !was ? "elected" : !is && was ? "lost" : null;
  }

  /** Gives the key back (on a clean stop), so another controller leads at once. */
  async resign(): Promise<void> {
    this.announced = false;
    await this.leased.giveBack();
  }
}
