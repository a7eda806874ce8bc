// Leader election through an etcd lease: in any interleaving of delays, lost answers and dead members, at most one leads.
import { describe, expect, it } from "vitest";
import { Election } from "../../src/failover/election.js";
import type { ConsensusStore } from "../../src/failover/etcd-client.js";

/** A small PRNG, so a failing seed can be replayed. */
function rng(seed: number): () => number {
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
class World {
  now = 0;
  private leases = new Map<string, number>();
  private ttls = new Map<string, number>();
  private keys = new Map<string, { value: string; lease: string }>();
  private next = 1;
  constructor(private readonly random: () => number) {}

  private live(key: string): { value: string; lease: string } | undefined {
    const k = this.keys.get(key);
    if (k && (this.leases.get(k.lease) ?? -1) <= this.now) this.keys.delete(key);
    return this.keys.get(key);
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
          this.keys.set(key, { value, lease });
          return true;
        }),
      putIf: () => call(() => false),
      get: (key) => call(() => this.live(key)?.value ?? null),
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

describe("failover controllers' election through an etcd lease", () => {
  it("never lets two controllers act as leader at once, in any of 200 random runs of delays, losses and partitions", async () => {
    let runsWithLeader = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const random = rng(seed);
      const world = new World(random);
      const names = ["db-1", "db-2", "mon-1"];
      // each controller is cut off from etcd during random windows (a partition, a frozen host)
      const cuts = names.map(() => {
        const start = random() * 20_000;
        const len = random() * 6_000;
        return () => world.now >= start && world.now < start + len;
      });
      const elections = names.map((n, i) => new Election(world.view(cuts[i]!), "/leader", n, () => world.now));
      let leaderSeen = false;
      const loops = elections.map(async (e) => {
        while (world.now < 30_000) {
          await e.tick();
          await world.advance(300);
        }
      });
      await world.run(30_000, () => {
        const leaders = names.filter((_, i) => elections[i]!.isLeader());
        if (leaders.length) leaderSeen = true;
        expect(leaders.length, `seed ${seed} at ${world.now} ms: ${leaders.join(", ")}`).toBeLessThanOrEqual(1);
        // a controller that believes it leads is the one etcd names
        if (leaders.length === 1) expect(world.holder("/leader"), `seed ${seed} at ${world.now} ms`).toBe(leaders[0]);
      });
      void loops;
      if (leaderSeen) runsWithLeader++;
    }
    // the invariant must not hold merely because nobody ever leads (answers take up to 0.8 s, 1 in 5 is lost)
    expect(runsWithLeader).toBeGreaterThan(150);
  });

  it("hands leadership over within a few lease lengths when the leader is cut off for good", async () => {
    const world = new World(() => 0.5);
    let cutA = false;
    const a = new Election(
      world.view(() => cutA),
      "/leader",
      "a",
      () => world.now,
    );
    const b = new Election(
      world.view(() => false),
      "/leader",
      "b",
      () => world.now,
    );
    const loop = async (e: Election) => {
      while (world.now < 20_000) {
        await e.tick();
        await world.advance(300);
      }
    };
    void loop(a);
    void world.advance(100).then(() => loop(b));
    let cutAt = 0;
    let tookOver = -1;
    await world.run(20_000, () => {
      if (!cutA && a.isLeader() && world.now > 3_000) {
        cutA = true;
        cutAt = world.now;
      }
      if (cutA && tookOver < 0 && b.isLeader()) tookOver = world.now - cutAt;
    });
    expect(cutAt).toBeGreaterThan(0);
    expect(tookOver).toBeGreaterThan(0);
    expect(tookOver).toBeLessThan(5_000);
  });
});
