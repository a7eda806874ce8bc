// The database agent's own judgements: what it tells the proxies, and when the primary fences itself.
import { describe, expect, it } from "vitest";
import { replicaAnswer, selfFenceReason, writeAnswer, STALE_MS } from "../../src/failover/agent/rules.js";
import { NOW, obs } from "./failover-helpers.js";

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
