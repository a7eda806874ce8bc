// etcd as the failover machinery sees it, simulated on a virtual clock (leases, keys, transactions), for property tests.
import type { ConsensusStore } from "../../src/failover/etcd-client.js";

/** A small PRNG, so a failing seed can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * etcd as the election sees it, on a virtual clock: a request reaches the store after a delay, is applied there
 * (leases expire `ttl` after the grant or renewal *received*), and its answer comes back after another delay or
 * is lost. Each controller calls through its own view, which may be cut off (partition) at any moment.
 */
export class World {
  now = 0;
  private leases = new Map<string, number>();
  private ttls = new Map<string, number>();
  private keys = new Map<string, { value: string; lease: string; revision: string }>();
  private next = 1;
  /** etcd's revision: every write moves it. */
  private revision = 1;
  constructor(private readonly random: () => number) {}

  private live(key: string): { value: string; lease: string; revision: string } | undefined {
    const k = this.keys.get(key);
    if (k && (this.leases.get(k.lease) ?? -1) <= this.now) this.keys.delete(key);
    return this.keys.get(key);
  }

  private put(key: string, value: string, lease: string): void {
    this.keys.set(key, { value, lease, revision: String(++this.revision) });
  }

  /**
   * A new etcd leader: like etcd's lessor Promote, every live lease runs again for its full TTL plus `extendMs`
   * (the election timeout) from now, whatever was left of it.
   */
  newLeader(extendMs = 1000): void {
    for (const [id, exp] of this.leases) if (exp > this.now) this.leases.set(id, this.now + this.ttls.get(id)! * 1000 + extendMs);
  }

  /** The lease the key lives under now (null: no key). */
  leaseOf(key: string): string | null {
    return this.live(key)?.lease ?? null;
  }

  /** Whether a lease is still alive in the store. */
  leaseAlive(id: string): boolean {
    return (this.leases.get(id) ?? -1) > this.now;
  }

  /** Who holds the key according to the store, now. */
  holder(key: string): string | null {
    return this.live(key)?.value ?? null;
  }

  /** A store seen through a link whose delays and losses the world chooses; `cut()` says when the link is down. */
  view(cut: () => boolean): ConsensusStore {
    const call = async <T>(apply: () => T): Promise<T> => {
      // the request travels, is applied (or lost on the way), then the answer travels back (or is lost)
      await this.advance(this.random() * 400);
      if (cut() || this.random() < 0.1) throw new Error("request lost");
      const out = apply();
      await this.advance(this.random() * 400);
      if (cut() || this.random() < 0.1) throw new Error("answer lost");
      return out;
    };
    return {
      grant: (ttlS) =>
        call(() => {
          const id = String(this.next++);
          this.leases.set(id, this.now + ttlS * 1000);
          this.ttls.set(id, ttlS);
          return id;
        }),
      keepAlive: (id) =>
        call(() => {
          const exp = this.leases.get(id);
          if (exp === undefined || exp <= this.now) return 0;
          const ttl = this.ttls.get(id)!;
          this.leases.set(id, this.now + ttl * 1000);
          return ttl;
        }),
      createIfAbsent: (key, value, lease) =>
        call(() => {
          const held = this.live(key);
          if (held) return held.lease === lease && held.value === value;
          if ((this.leases.get(lease) ?? -1) <= this.now) return false;
          this.put(key, value, lease);
          return true;
        }),
      beat: (key, value, lease) =>
        call(() => {
          const held = this.live(key);
          if (!held || held.value !== value || held.lease !== lease) return false;
          this.put(key, value, lease);
          return true;
        }),
      takeOver: (key, value, lease, revision) =>
        call(() => {
          const held = this.live(key);
          if (!held || held.revision !== revision || !this.leaseAlive(lease)) return false;
          this.put(key, value, lease);
          return true;
        }),
      putIf: () => call(() => false),
      get: (key) => call(() => this.live(key)?.value ?? null),
      holder: (key) =>
        call(() => {
          const k = this.live(key);
          return k ? { ...k } : null;
        }),
      revoke: (id) => call(() => void this.leases.delete(id)),
    };
  }

  /** Virtual time passes in small steps; every check of the invariant happens at each step. */
  private waiters: { at: number; resolve: () => void }[] = [];
  advance(ms: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ at: this.now + ms, resolve }));
  }
  /** Runs the world until `until`, calling `check` after each event. */
  async run(until: number, check: () => void): Promise<void> {
    while (this.now < until) {
      await new Promise((r) => setImmediate(r));
      this.waiters.sort((a, b) => a.at - b.at);
      const w = this.waiters.shift();
      if (!w) break;
      this.now = Math.max(this.now, w.at);
      check();
      w.resolve();
    }
  }
}
