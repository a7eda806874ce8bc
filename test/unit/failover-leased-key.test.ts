// The key under a lease that the election and the primary lease share: what their property tests only imply.
import { describe, expect, it } from "vitest";
import type { ConsensusStore } from "../../src/failover/etcd-client.js";
import { LeasedKey } from "../../src/failover/leased-key.js";

const TIMING = { ttlS: 2, marginMs: 700 };

/**
 * etcd on a hand-moved clock: each call takes `delay[call]` ms from when it is sent to its answer; leases and the
 * key behave as in etcd (a key created under a lease lives with it; the same lease finds it its own again).
 */
function scripted(delay: Partial<Record<"grant" | "keepAlive" | "createIfAbsent" | "revoke", number>>, ttlAnswer?: number) {
  const t = { now: 0 };
  const calls: string[] = [];
  const leases = new Set<string>();
  const lagging = { n: 0 };
  let key: { value: string; lease: string } | null = null;
  let next = 1;
  const after = async <T>(name: keyof typeof delay, out: () => T): Promise<T> => {
    calls.push(`${name}@${t.now}`);
    t.now += delay[name] ?? 0;
    return out();
  };
  const store: ConsensusStore = {
    grant: () =>
      after("grant", () => {
        const id = `L${next++}`;
        leases.add(id);
        return id;
      }),
    // `lagging` answers: a member that has not applied the grant yet says "not found" (TTL 0) for a live lease
    keepAlive: (id) => after("keepAlive", () => (leases.has(id) && lagging.n-- <= 0 ? (ttlAnswer ?? TIMING.ttlS) : 0)),
    createIfAbsent: (k, value, lease) =>
      after("createIfAbsent", () => {
        if (key && leases.has(key.lease)) return key.lease === lease && key.value === value;
        if (!leases.has(lease)) return false;
        key = { value, lease };
        return true;
      }),
    revoke: (id) => after("revoke", () => void leases.delete(id)),
    putIf: () => Promise.resolve(false),
    get: () => Promise.resolve(key?.value ?? null),
    holder: () => Promise.resolve(key && leases.has(key.lease) ? { ...key, revision: "1" } : null),
    beat: () => Promise.resolve(false),
    takeOver: () => Promise.resolve(false),
  };
  /** The lease ids the holders were told to keep, in order. */
  const remembered: (string | null)[] = [];
  /** A holder of "/k" as "a" on this clock (`previous`: the lease id a restarted one kept). */
  const holder = (previous: string | null = null) =>
    new LeasedKey(
      store,
      "/k",
      "a",
      () => t.now,
      TIMING,
      previous,
      (id) => remembered.push(id),
    );
  return { t, calls, holder, remembered, lagging, revokeElsewhere: (id: string) => leases.delete(id) };
}

describe("a key held under an etcd lease", () => {
  it("counts the hold from when the grant was sent, not from its answer nor from the key's creation", async () => {
    const { t, calls, holder } = scripted({ grant: 500, createIfAbsent: 300 });
    t.now = 1_000;
    const k = holder();
    await k.round(true);
    expect(calls).toEqual(["grant@1000", "createIfAbsent@1500"]);
    // etcd may expire the lease 2 s after it received the grant, which can be as early as 1000 ms
    const until = 1_000 + TIMING.ttlS * 1000 - TIMING.marginMs;
    expect(k.holds(until - 1)).toBe(true);
    expect(k.holds(until)).toBe(false);
    expect(k.describe(t.now)).toEqual({ lease: "L1", holds: true, holdsForMs: until - t.now });
  });

  it("extends the hold from when a renewal was sent, with the TTL etcd answers", async () => {
    const { t, calls, holder } = scripted({ grant: 100, createIfAbsent: 100, keepAlive: 600 }, 3);
    const k = holder();
    await k.round(true);
    t.now = 1_000;
    await k.round(true);
    // renewed only: the key is already held
    expect(calls).toEqual(["grant@0", "createIfAbsent@100", "keepAlive@1000"]);
    const until = 1_000 + 3 * 1000 - TIMING.marginMs;
    expect(k.holds(until - 1)).toBe(true);
    expect(k.holds(until)).toBe(false);
  });

  it("a restarted holder renews the lease it remembered and finds the key its own under it, without a new grant", async () => {
    const { t, calls, holder, remembered } = scripted({ grant: 100, createIfAbsent: 100, keepAlive: 100 });
    const first = holder();
    await first.round(true);
    expect(remembered).toEqual(["L1"]);
    // the agent restarts 300 ms later, well within the lease, with the id it kept
    t.now = 500;
    const again = holder("L1");
    expect(again.holds()).toBe(false);
    await again.round(true);
    expect(calls.slice(2)).toEqual(["keepAlive@500", "createIfAbsent@600"]);
    expect(again.describe(t.now)).toEqual({ lease: "L1", holds: true, holdsForMs: 500 + TIMING.ttlS * 1000 - TIMING.marginMs - t.now });
    expect(remembered).toEqual(["L1"]);
  });

  it("drops a lease etcd answers TTL 0 for (revoked elsewhere) and forgets it before taking a new one", async () => {
    const { t, holder, remembered, revokeElsewhere } = scripted({ grant: 100, createIfAbsent: 100, keepAlive: 100 });
    const k = holder();
    await k.round(true);
    revokeElsewhere("L1");
    t.now = 400;
    await k.round(false);
    expect(k.holds()).toBe(false);
    expect(remembered).toEqual(["L1", null]);
    await k.round(true);
    expect(remembered).toEqual(["L1", null, "L2"]);
    expect(k.describe().lease).toBe("L2");
  });

  it("keeps a held key when a renewal says 'not found' but the key still lives under its lease (a member behind on the grant): the renewal only failed", async () => {
    const { t, holder, remembered, lagging } = scripted({ grant: 100, createIfAbsent: 100, keepAlive: 100 });
    const k = holder();
    await k.round(true);
    const until = k.describe().holdsForMs + t.now;
    lagging.n = 1;
    t.now = 300;
    await k.round(true);
    // not dropped, not extended either: the hold still ends where the grant put it
    expect(k.holds()).toBe(true);
    expect(k.describe().holdsForMs + t.now).toBe(until);
    expect(remembered).toEqual(["L1"]);
    // the next renewal that reaches an up-to-date member extends it
    t.now = 500;
    await k.round(true);
    expect(k.describe().holdsForMs + t.now).toBe(500 + TIMING.ttlS * 1000 - TIMING.marginMs);
  });
});
