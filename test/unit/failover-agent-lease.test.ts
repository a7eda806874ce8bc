// The database agent with a primary lease, around a stand-in MariaDB and an in-memory etcd: a first start makes
// the design's primary writable under the key, and a lease round right after must not give the key back (it judged
// from the look taken before the server became writable; the next look then fenced a healthy primary: seen in 1 of
// about 10 bring-ups of design 3 with the lease).
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Agent } from "../../src/failover/agent/agent.js";
import type { LocalDb } from "../../src/failover/agent/local-db.js";
import { monoNow } from "../../src/failover/clock.js";
import type { ConsensusStore } from "../../src/failover/etcd-client.js";
import { PrimaryLease } from "../../src/failover/lease.js";
import type { AgentConfig } from "../../src/render/config/failover.js";
import { ADDR, obs } from "./failover-helpers.js";

/** etcd as one process sees it when every call is answered: leases with keys that live as long as they do. */
function memoryStore(): { store: ConsensusStore; revoked: string[] } {
  const leases = new Set<string>();
  const keys = new Map<string, { value: string; lease: string }>();
  const revoked: string[] = [];
  let next = 1;
  const live = (k: string) => {
    const v = keys.get(k);
    return v && leases.has(v.lease) ? v : null;
  };
  const store: ConsensusStore = {
    grant: () => Promise.resolve(`L${next++}`).then((id) => (leases.add(id), id)),
    keepAlive: (id) => Promise.resolve(leases.has(id) ? 2 : 0),
    createIfAbsent: (k, value, lease) => {
      const v = live(k);
      if (v) return Promise.resolve(v.lease === lease && v.value === value);
      if (!leases.has(lease)) return Promise.resolve(false);
      keys.set(k, { value, lease });
      return Promise.resolve(true);
    },
    putIf: () => Promise.resolve(false),
    get: (k) => Promise.resolve(live(k)?.value ?? null),
    holder: (k) => Promise.resolve(live(k) ? { ...live(k)!, revision: "1" } : null),
    beat: () => Promise.resolve(false),
    takeOver: () => Promise.resolve(false),
    revoke: (id) => {
      revoked.push(id);
      leases.delete(id);
      return Promise.resolve();
    },
  };
  return { store, revoked };
}

const stateFile = join(tmpdir(), `stacklab-agent-lease-test-${process.pid}.json`);
afterEach(() => rmSync(stateFile, { force: true }));

describe("the design's primary at its first start, with the primary lease", () => {
  it("keeps the key through a lease round that runs right after it became writable, and is not fenced", async () => {
    const calls: string[] = [];
    const events: string[] = [];
    let readOnly = true;
    const db = {
      observe: () => Promise.resolve(obs({ at: monoNow(), readOnly })),
      setWritable: () => {
        calls.push("setWritable");
        readOnly = false;
        return Promise.resolve();
      },
      crash: () => (calls.push("crash"), 4242),
      fence: () => {
        calls.push("fence");
        readOnly = true;
        return Promise.resolve({ host: "db-1", readOnly: true, killed: 0, ms: 1, gtidBinlogPos: "0-1-100" });
      },
      close: () => undefined,
    } as unknown as LocalDb;
    const { store, revoked } = memoryStore();
    const lease = new PrimaryLease(store, "/primary", "db-1", monoNow);
    const cfg = { host: "db-1", stateFile, bootstrapPrimary: true, selfFence: true, dbHosts: { "db-1": ADDR["db-1"], "db-2": ADDR["db-2"] } } as unknown as AgentConfig;
    const agent = new Agent(
      cfg,
      (m) => events.push(m),
      () => undefined,
      { db, lease },
    );
    // the timers' work, one step at a time: the look that makes it writable, a lease round at once, the next look
    const steps = agent as unknown as { look(): Promise<void>; leaseRound(): Promise<void> };
    await steps.look();
    expect(calls).toEqual(["setWritable"]);
    await steps.leaseRound();
    await steps.look();
    expect(revoked).toEqual([]);
    expect(lease.holds()).toBe(true);
    expect(calls).toEqual(["setWritable"]);
    expect(events.filter((e) => /fenced itself/.test(e))).toEqual([]);
  });
});
