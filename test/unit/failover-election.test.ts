// Leader election through an etcd lease: in any interleaving of delays, lost answers and dead members, at most one leads.
import { describe, expect, it } from "vitest";
import { Election } from "../../src/failover/election.js";
import { World, rng } from "./etcd-world.js";

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
      // etcd elects a new leader now and then (its leader's host died or stalled): every lease runs again in full
      const newLeaders = [random() * 30_000, random() * 30_000];
      const elections = names.map((n, i) => new Election(world.view(cuts[i]!), "/leader", n, () => world.now));
      let leaderSeen = false;
      const loops = elections.map(async (e) => {
        while (world.now < 30_000) {
          await e.tick();
          await world.advance(300);
        }
      });
      await world.run(30_000, () => {
        for (let i = 0; i < newLeaders.length; i++)
          if (world.now >= newLeaders[i]!) {
            world.newLeader();
            newLeaders[i] = Infinity;
          }
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

  it("a standby takes over from a leader that died with etcd's leader, before the dead leader's lease (extended by the new etcd leader) runs out", async () => {
    const world = new World(() => 0.5);
    let dead = false;
    const a = new Election(
      world.view(() => dead),
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
    let deadLease: string | null = null;
    let tookOver: { leaseStillAlive: boolean } | null = null;
    await world.run(20_000, () => {
      if (!dead && a.isLeader() && world.now > 3_000) {
        // a's host dies, and with it etcd's leader (its member): the next etcd leader extends every lease
        dead = true;
        deadLease = world.leaseOf("/leader");
        world.newLeader();
      }
      if (dead && !tookOver && b.isLeader()) tookOver = { leaseStillAlive: world.leaseAlive(deadLease!) };
    });
    expect(deadLease).not.toBeNull();
    expect(tookOver).not.toBeNull();
    // b took the key because a's heartbeat stood still, not because a's lease ran out
    expect(tookOver!.leaseStillAlive).toBe(true);
    expect(world.holder("/leader")).toBe("b");
  });
});
