// The database agent's own judgements: what it tells the proxies, and when the primary fences itself.
import { describe, expect, it } from "vitest";
import { replicaAnswer, replicasBack, selfFenceReason, selfUnfenceReason, writeAnswer, STALE_MS } from "../../src/failover/agent/rules.js";
import { TIMING } from "../../src/failover/timing.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../src/failover/agent/agent.js";
import type { LocalDb } from "../../src/failover/agent/local-db.js";
import type { AgentConfig } from "../../src/render/config/failover.js";
import { ADDR, NOW, obs } from "./failover-helpers.js";

describe("the answer to a proxy's write check", () => {
  it("is up only for a writable server that follows nobody", () => {
    expect(writeAnswer({ now: NOW, db: obs(), selfFenced: false })).toBe("up");
    expect(writeAnswer({ now: NOW, db: obs({ readOnly: true }), selfFenced: false })).toBe("down#read-only");
    expect(writeAnswer({ now: NOW, db: obs({ replicaOf: "db-1" }), selfFenced: false })).toMatch(/^down/);
  });
  it("is down once the server fenced itself, or when the local look is stale or failed", () => {
    expect(writeAnswer({ now: NOW, db: obs(), selfFenced: true })).toBe("down#fenced itself");
    expect(writeAnswer({ now: NOW + STALE_MS + 1, db: obs(), selfFenced: false })).toMatch(/^down#no recent look/);
    expect(writeAnswer({ now: NOW, db: obs({ up: false }), selfFenced: false })).toMatch(/^down#MariaDB/);
  });
  it("is up for a promoted server still stopping its old replication threads", () => {
    expect(writeAnswer({ now: NOW, db: obs({ replicaOf: "db-1", readOnly: false }), selfFenced: false, promoting: true })).toBe("up");
  });
});

describe("the answer to a proxy's replica check", () => {
  it("is up for a streaming replica, and for one whose primary is gone (reads go on)", () => {
    expect(replicaAnswer({ now: NOW, db: obs({ replicaOf: "db-1" }), selfFenced: false })).toBe("up");
    expect(replicaAnswer({ now: NOW, db: obs({ replicaOf: "db-1", io: "Connecting" }), selfFenced: false })).toBe("up");
  });
  it("is down for a primary, a replica far behind, or one stopped on an error", () => {
    expect(replicaAnswer({ now: NOW, db: obs(), selfFenced: false })).toBe("down#not a replica");
    const behind = obs({ replicaOf: "db-1" });
    behind.replica!.secondsBehind = 60;
    expect(replicaAnswer({ now: NOW, db: behind, selfFenced: false })).toMatch(/60 s behind/);
    const broken = obs({ replicaOf: "db-1", io: "No" });
    broken.replica!.lastIoErrno = 1236;
    expect(replicaAnswer({ now: NOW, db: broken, selfFenced: false })).toMatch(/1236/);
  });
  it("is down for a replica found diverged from the primary it follows, even streaming (MariaDB restarted it)", () => {
    const db = obs({ replicaOf: "db-1" });
    expect(replicaAnswer({ now: NOW, db, selfFenced: false, divergedFrom: db.replica!.masterHost })).toBe("down#diverged from its primary");
    expect(replicaAnswer({ now: NOW, db, selfFenced: false, divergedFrom: "198.18.9.9" })).toBe("up");
  });
});

describe("self-fencing of a primary that may have been replaced", () => {
  const base = { now: NOW, enabled: true, db: obs(), controllerSeenAt: NOW - 1500, inSyncAtContact: true, stuckSince: null };
  it("fences when the controller is silent and a commit is stuck waiting for a replica", () => {
    expect(selfFenceReason({ ...base, stuckSince: NOW - 400 })).toMatch(/waited 400 ms/);
  });
  it("fences when semi-sync fell back after the controller went silent", () => {
    const db = obs();
    db.semisync.masterStatus = false;
    expect(selfFenceReason({ ...base, db })).toMatch(/fell back/);
  });
  it("does not fence while the controller talks to it, without a controller, or when it was not in sync anyway", () => {
    expect(selfFenceReason({ ...base, stuckSince: NOW - 400, controllerSeenAt: NOW - 100 })).toBeNull();
    expect(selfFenceReason({ ...base, stuckSince: NOW - 400, enabled: false })).toBeNull();
    expect(selfFenceReason({ ...base, stuckSince: NOW - 400, inSyncAtContact: false })).toBeNull();
    expect(selfFenceReason({ ...base, stuckSince: NOW - 100 })).toBeNull();
    expect(selfFenceReason({ ...base, stuckSince: NOW - 400, db: obs({ readOnly: true }) })).toBeNull();
  });
});

describe("a self-fenced primary taking writes again by itself", () => {
  /** Fenced (read-only, follows nobody), its replica streaming from it again with semi-sync ON. */
  const fencedPrimary = (o: { clients?: number; status?: boolean; waiting?: number } = {}) => {
    const db = obs({ readOnly: true });
    db.semisync = { ...db.semisync, masterStatus: o.status ?? true, masterClients: o.clients ?? 1, waitSessions: o.waiting ?? 0 };
    return db;
  };
  const fencedAt = NOW - 10_000;
  const base = { now: NOW, enabled: true, db: fencedPrimary(), fencedAt, controllerSeenAt: fencedAt - 700, replicas: 1, backSince: NOW - TIMING.selfUnfenceAfterMs };

  it("does once every replica has streamed from it, acknowledging, for the whole hold time since the fence", () => {
    expect(selfUnfenceReason(base)).toMatch(/its replica has streamed from it again.*none was promoted/);
    expect(selfUnfenceReason({ ...base, replicas: 2, db: fencedPrimary({ clients: 2 }) })).toMatch(/all 2 other servers/);
  });
  it("waits while the replicas are back for less than the hold time, or were back only before the fence", () => {
    expect(selfUnfenceReason({ ...base, backSince: NOW - TIMING.selfUnfenceAfterMs + 1 })).toBeNull();
    expect(selfUnfenceReason({ ...base, backSince: null })).toBeNull();
    expect(selfUnfenceReason({ ...base, backSince: fencedAt - 1, now: fencedAt + 60_000 })).toBeNull();
  });
  it("never does while a replica is missing: it may be the one the controller promoted", () => {
    // Two other servers, one streaming: the other may be a new primary that forgot this one.
    expect(selfUnfenceReason({ ...base, replicas: 2 })).toBeNull();
    expect(replicasBack(fencedPrimary({ clients: 0 }), 1)).toBe(false);
    expect(selfUnfenceReason({ ...base, db: fencedPrimary({ clients: 0 }) })).toBeNull();
  });
  it("never does with semi-sync off or a commit waiting: a write it took could be acknowledged on no replica", () => {
    expect(selfUnfenceReason({ ...base, db: fencedPrimary({ status: false }) })).toBeNull();
    expect(selfUnfenceReason({ ...base, db: fencedPrimary({ waiting: 1 }) })).toBeNull();
  });
  it("leaves it to the controller while the controller talks to it, and does nothing without a controller", () => {
    expect(selfUnfenceReason({ ...base, controllerSeenAt: NOW - 100 })).toBeNull();
    // The controller talked after the fence but has been silent since: the agent decides again.
    expect(selfUnfenceReason({ ...base, controllerSeenAt: fencedAt + 100 })).toMatch(/takes writes again/);
    expect(selfUnfenceReason({ ...base, enabled: false })).toBeNull();
  });
  it("does nothing for a server that did not fence itself, follows another server, is writable or down", () => {
    expect(selfUnfenceReason({ ...base, fencedAt: null })).toBeNull();
    expect(selfUnfenceReason({ ...base, db: obs({ replicaOf: "db-2" }) })).toBeNull();
    expect(selfUnfenceReason({ ...base, db: obs() })).toBeNull();
    expect(selfUnfenceReason({ ...base, db: obs({ up: false }) })).toBeNull();
    expect(selfUnfenceReason({ ...base, db: null })).toBeNull();
  });
  it("once it takes writes again, the self-fence is still armed: the replica lost again with the controller silent fences it again", () => {
    const writable = obs();
    writable.semisync.masterClients = 0;
    expect(selfFenceReason({ now: NOW, enabled: true, db: writable, controllerSeenAt: fencedAt - 700, inSyncAtContact: true, stuckSince: null })).toMatch(/no replica is connected/);
  });
});

describe("the controller's fence of a primary with commits waiting for a replica", () => {
  /** An agent around a stand-in MariaDB whose look shows `waiting` commits waiting for an acknowledgement. */
  function agentWith(waiting: number) {
    const calls: string[] = [];
    const events: string[] = [];
    const db = obs();
    db.semisync.waitSessions = waiting;
    const fake = {
      observe: async () => db,
      crash: () => (calls.push("crash"), 4242),
      fence: async (killFirst: boolean) => (calls.push(`fence(${killFirst})`), { host: "db-1", readOnly: true, killed: 3, ms: 1, gtidBinlogPos: "0-1-100" }),
      close: () => undefined,
    } as unknown as LocalDb;
    const cfg = { host: "db-1", stateFile: join(tmpdir(), `stacklab-agent-test-${process.pid}-none.json`), dbHosts: { "db-1": ADDR["db-1"], "db-2": ADDR["db-2"] } } as unknown as AgentConfig;
    const agent = new Agent(
      cfg,
      (m) => events.push(m),
      () => undefined,
      { db: fake },
    );
    return { agent, calls, events };
  }

  it("stops MariaDB at once instead of cutting connections (a killed waiter could release the others with OK)", async () => {
    const { agent, calls, events } = agentWith(2);
    const r = await agent.fence(true);
    expect(calls).toEqual(["crash"]);
    expect(r).toMatchObject({ stopped: true, killed: 0, gtidBinlogPos: "" });
    expect(events.join("\n")).toMatch(/stopped MariaDB at once.*SIGKILL to 4242.*2 commit\(s\) waiting/);
  });
  it("fences as before when nothing waits, and a switchover's fence (no killFirst) never stops MariaDB", async () => {
    const idle = agentWith(0);
    expect(await idle.agent.fence(true)).toMatchObject({ killed: 3, gtidBinlogPos: "0-1-100" });
    expect(idle.calls).toEqual(["fence(true)"]);
    const planned = agentWith(2);
    await planned.agent.fence(false);
    expect(planned.calls).toEqual(["fence(false)"]);
  });
});
