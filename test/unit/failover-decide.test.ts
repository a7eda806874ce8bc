// The failover controller's decisions, from what it saw to what it does, without a lab.
import { describe, expect, it } from "vitest";
import { decide, diverged, primaryHealth, rankCandidates, syncMark, syncVerdict } from "../../src/failover/decide.js";
import { NOW, input, mark, obs, probe, status, track } from "./failover-helpers.js";

/** db-1 silent for `silentMs` (last seen then), db-2 a replica whose pings of db-1 failed `fails` times. */
function crashed(silentMs: number, fails: number, db2 = obs({ replicaOf: "db-1", io: "Connecting" })) {
  return {
    "db-1": track(status("db-1", obs({ at: NOW - silentMs })), silentMs),
    "db-2": track(status("db-2", db2, probe("db-1", fails))),
  };
}

describe("primaryHealth", () => {
  it("is up while the primary's agent answers and its server takes writes", () => {
    const h = primaryHealth(input({ "db-1": track(status("db-1", obs())), "db-2": track(status("db-2", obs({ replicaOf: "db-1" }), probe("db-1", 0))) }));
    expect(h.state).toBe("up");
  });

  it("does not call one missed answer a death: within deadAfterMs the last answer stands", () => {
    expect(primaryHealth(input(crashed(300, 2))).state).toBe("up");
  });

  it("needs the replicas' second opinion: a silent agent whose database a replica still reaches is not dead", () => {
    const h = primaryHealth(input(crashed(2000, 0)));
    expect(h).toMatchObject({ state: "suspect" });
    expect(h.state === "suspect" && h.reason).toMatch(/db-2 still reaches/);
  });

  it("waits while the replica has not failed enough pings", () => {
    expect(primaryHealth(input(crashed(2000, 1, obs({ replicaOf: "db-1", io: "Yes" })))).state).toBe("suspect");
  });

  it("declares the primary dead when it is silent and every replica confirms", () => {
    const h = primaryHealth(input(crashed(1000, 3)));
    expect(h.state).toBe("dead");
  });

  it("declares it dead when its own agent says MariaDB stopped answering long enough", () => {
    const db1 = status("db-1", obs({ up: false }));
    db1.dbLastOkAt = NOW - 2000;
    expect(primaryHealth(input({ "db-1": track(db1), "db-2": track(status("db-2", obs({ replicaOf: "db-1" }), probe("db-1", 5))) })).state).toBe("dead");
  });

  it("with a primary lease, takes etcd as a witness: a silent primary that no longer holds the key is dead even while a replica reaches its database", () => {
    // db-1 cut off from etcd and the controllers, not from db-2: its key ran out after it went silent
    const h = primaryHealth(input(crashed(2000, 0), { leaseKey: { holder: null, readAt: NOW - 100 } }));
    expect(h).toMatchObject({ state: "dead" });
    expect(h.state === "dead" && h.reason).toMatch(/does not hold the primary lease/);
    expect(decide(input(crashed(2000, 0), { leaseKey: { holder: null, readAt: NOW - 100 } }))).toMatchObject({ action: "failover", from: "db-1", to: "db-2" });
  });

  it("with a primary lease, a key still held by the primary, or a read older than the silence, proves nothing", () => {
    expect(primaryHealth(input(crashed(2000, 0), { leaseKey: { holder: "db-1", readAt: NOW - 100 } })).state).toBe("suspect");
    expect(primaryHealth(input(crashed(2000, 0), { leaseKey: { holder: null, readAt: NOW - 2500 } })).state).toBe("suspect");
    // nor does it shorten the wait: within deadAfterMs the last answer stands
    expect(primaryHealth(input(crashed(300, 0), { leaseKey: { holder: null, readAt: NOW - 100 } })).state).toBe("up");
  });

  it("sees a primary that came back read-only as fenced, not up", () => {
    const h = primaryHealth(input({ "db-1": track(status("db-1", obs({ readOnly: true }))), "db-2": track(status("db-2", obs({ replicaOf: "db-1" }))) }));
    expect(h.state).toBe("fenced");
  });
});

describe("syncVerdict", () => {
  const failedAt = NOW - 700;
  it("is in sync when semi-sync was on with the candidate acknowledging shortly before the failure", () => {
    expect(syncVerdict(input(crashed(1000, 3)), "db-2", failedAt)).toMatchObject({ inSync: true });
  });
  it("is not with asynchronous replication", () => {
    expect(syncVerdict(input(crashed(1000, 3), { replication: "async" }), "db-2", failedAt)).toMatchObject({ inSync: false, reason: expect.stringMatching(/asynchronous/) });
  });
  it("is not when semi-sync had fallen back to asynchronous", () => {
    expect(syncVerdict(input(crashed(1000, 3), { lastSync: mark({ masterStatus: false }) }), "db-2", failedAt).inSync).toBe(false);
  });
  it("is not when the last in-sync look is older than the semi-sync timeout before the failure", () => {
    expect(syncVerdict(input(crashed(1000, 3), { lastSync: mark({ at: NOW - 5000 }) }), "db-2", failedAt)).toMatchObject({ inSync: false, reason: expect.stringMatching(/last seen in sync/) });
  });
  it("is not for a replica that was not acknowledging", () => {
    expect(syncVerdict(input(crashed(1000, 3), { lastSync: mark({ replicas: ["db-3"] }) }), "db-2", failedAt).inSync).toBe(false);
  });
  it("is not when the controller never saw the primary in sync", () => {
    expect(syncVerdict(input(crashed(1000, 3), { lastSync: null }), "db-2", failedAt).inSync).toBe(false);
  });
});

describe("decide", () => {
  it("does nothing while the primary is up and the replica follows it", () => {
    expect(decide(input({ "db-1": track(status("db-1", obs())), "db-2": track(status("db-2", obs({ replicaOf: "db-1" }), probe("db-1", 0))) })).action).toBe("none");
  });

  it("waits on a suspect primary", () => {
    expect(decide(input(crashed(300, 2))).action).toBe("none");
    expect(decide(input(crashed(1000, 0))).action).toBe("wait");
  });

  it("promotes the in-sync replica when the primary is confirmed dead", () => {
    const d = decide(input(crashed(1000, 3)));
    expect(d).toMatchObject({ action: "failover", from: "db-1", to: "db-2", sync: { inSync: true } });
  });

  it("refuses when no replica is known to be in sync, and says why", () => {
    const d = decide(input(crashed(1000, 3), { lastSync: mark({ masterStatus: false }) }));
    expect(d).toMatchObject({ action: "refuse", candidate: "db-2", sync: { inSync: false } });
  });

  it("promotes anyway when forced", () => {
    const d = decide(input(crashed(1000, 3), { lastSync: mark({ masterStatus: false }) }), { force: true });
    expect(d).toMatchObject({ action: "failover", to: "db-2", sync: { inSync: false } });
  });

  it("picks the most advanced replica by GTID and repoints the others", () => {
    const tracks = {
      ...crashed(1000, 3),
      "db-3": track(status("db-3", obs({ replicaOf: "db-1", io: "Connecting", ioPos: "0-1-104", gtidCurrentPos: "0-1-103" }), probe("db-1", 3))),
    };
    const d = decide(input(tracks, { lastSync: mark({ replicas: ["db-2", "db-3"] }) }));
    expect(d).toMatchObject({ action: "failover", to: "db-3", others: ["db-2"] });
    expect(rankCandidates(input(tracks))).toEqual(["db-3", "db-2"]);
  });

  it("refuses --to a replica behind another unless forced", () => {
    const tracks = { ...crashed(1000, 3), "db-3": track(status("db-3", obs({ replicaOf: "db-1", io: "Connecting", ioPos: "0-1-104" }), probe("db-1", 3))) };
    expect(decide(input(tracks), { to: "db-2" })).toMatchObject({ action: "refuse", candidate: "db-2" });
  });

  it("gives writes back to a restarted primary that holds everything the replica holds", () => {
    const d = decide(
      input({ "db-1": track(status("db-1", obs({ readOnly: true, gtidBinlogPos: "0-1-100" }))), "db-2": track(status("db-2", obs({ replicaOf: "db-1", ioPos: "0-1-99", gtidCurrentPos: "0-1-99" }))) }),
    );
    expect(d).toMatchObject({ action: "unfence", host: "db-1" });
  });

  it("with a primary lease, gives writes back to a fenced primary no replica follows when it holds everything the other servers hold, never when one holds more", () => {
    // e.g. its lease fence (etcd slow to renew) while the other server, an old primary, follows nobody yet
    const fenced = status("db-2", obs({ readOnly: true, gtidBinlogPos: "0-2-110", gtidCurrentPos: "0-2-110" }));
    const idle = (pos: string) => track(status("db-1", obs({ readOnly: true, gtidBinlogPos: pos, gtidCurrentPos: pos })));
    const leaseKey = { holder: null, readAt: NOW };
    expect(decide(input({ "db-1": idle("0-1-90"), "db-2": track(fenced) }, { primary: "db-2", leaseKey }))).toMatchObject({ action: "unfence", host: "db-2" });
    expect(decide(input({ "db-1": idle("0-1-111"), "db-2": track(fenced) }, { primary: "db-2", leaseKey }))).toMatchObject({ action: "refuse" });
    // without a lease, as before: refused, for a person or the replicas' return
    expect(decide(input({ "db-1": idle("0-1-90"), "db-2": track(fenced) }, { primary: "db-2" }))).toMatchObject({ action: "refuse" });
  });

  it("promotes the replica when a restarted primary lost a transaction the replica has", () => {
    const d = decide(input({ "db-1": track(status("db-1", obs({ readOnly: true, gtidBinlogPos: "0-1-99" }))), "db-2": track(status("db-2", obs({ replicaOf: "db-1", ioPos: "0-1-100" }))) }));
    expect(d).toMatchObject({ action: "failover", to: "db-2", sync: { inSync: true } });
  });

  it("makes an old primary that came back follow the new one", () => {
    const tracks = { "db-1": track(status("db-1", obs({ readOnly: true }))), "db-2": track(status("db-2", obs())) };
    expect(decide(input(tracks, { primary: "db-2" }))).toMatchObject({ action: "rejoin", host: "db-1", primary: "db-2" });
    expect(decide(input(tracks, { primary: "db-2", rejoinable: ["db-2"] })).action).toBe("none");
  });

  it("fences a second writable server rather than let two take writes", () => {
    const d = decide(input({ "db-1": track(status("db-1", obs())), "db-2": track(status("db-2", obs())) }));
    expect(d).toMatchObject({ action: "fence-extra", hosts: ["db-2"] });
  });

  it("adopts the only writable server as the primary", () => {
    expect(decide(input({ "db-1": track(status("db-1", obs({ readOnly: true, replicaOf: "db-2" }))), "db-2": track(status("db-2", obs())) }))).toMatchObject({ action: "adopt", primary: "db-2" });
  });
});

describe("syncMark", () => {
  it("records which replicas acknowledged when the primary answered", () => {
    const m = syncMark(input({ "db-1": track(status("db-1", obs())), "db-2": track(status("db-2", obs({ replicaOf: "db-1" }))) }));
    expect(m).toMatchObject({ primary: "db-1", masterStatus: true, clients: 1, replicas: ["db-2"] });
  });
  it("leaves out a replica that is not streaming", () => {
    const m = syncMark(input({ "db-1": track(status("db-1", obs())), "db-2": track(status("db-2", obs({ replicaOf: "db-1", io: "Connecting" }))) }));
    expect(m?.replicas).toEqual([]);
  });
});

describe("a replica that diverged", () => {
  /** db-2 the primary; db-1 follows it, its IO thread stopped (error 1236 when it asked for transactions db-2 never had). */
  function divergedTracks(errno: number, io: "No" | "Yes" | "Connecting" = "No") {
    const one = obs({ replicaOf: "db-2", io });
    one.replica = { ...one.replica!, lastIoErrno: errno, lastIoError: errno ? "Error: connecting slave requested to start from GTID 0-1-60, which is not in the master's binlog" : "" };
    return { "db-1": track(status("db-1", one)), "db-2": track(status("db-2", obs())) };
  }

  it("is rebuilt from the primary when autoRebuild is on", () => {
    const d = decide(input(divergedTracks(1236), { primary: "db-2", autoRebuild: true }));
    expect(d).toMatchObject({ action: "rebuild", host: "db-1", primary: "db-2" });
    expect(d.action === "rebuild" && d.reason).toMatch(/db-1 holds transactions db-2 never had/);
    expect(diverged(input(divergedTracks(1236), { primary: "db-2" }), "db-1", "db-2")).toBe(true);
  });

  it("is only recorded with --no-auto-rebuild (autoRebuild off): the controller leaves it as it is", () => {
    expect(decide(input(divergedTracks(1236), { primary: "db-2", autoRebuild: false }))).toMatchObject({ action: "none" });
    expect(decide(input(divergedTracks(1236), { primary: "db-2" }))).toMatchObject({ action: "none" });
  });

  it("is not rebuilt while a rebuild (or a failed one's wait) blocks it", () => {
    expect(decide(input(divergedTracks(1236), { primary: "db-2", autoRebuild: true, rejoinBlocked: ["db-1"] }))).toMatchObject({ action: "none" });
  });

  it("is not a replica merely behind, or stopped for another reason: those catch up by GTID or are left alone", () => {
    for (const t of [divergedTracks(0, "Yes"), divergedTracks(0, "Connecting"), divergedTracks(2003, "Connecting"), divergedTracks(0, "No")]) {
      expect(decide(input(t, { primary: "db-2", autoRebuild: true })).action).toBe("none");
      expect(diverged(input(t, { primary: "db-2" }), "db-1", "db-2")).toBe(false);
    }
  });

  it("is rebuilt too when its agent's follow found it ahead of the primary (MariaDB lets it stream: the primary wrote nothing since)", () => {
    for (const io of ["No", "Yes"] as const) {
      const t = divergedTracks(0, io);
      const address = input(t).addresses["db-2"]!;
      t["db-1"]!.last!.diverged = { primary: "db-2", primaryAddress: address, detail: "its binary log ends at 0-1-61, ahead of db-2's (0-1-60)" };
      const d = decide(input(t, { primary: "db-2", autoRebuild: true }));
      expect(d).toMatchObject({ action: "rebuild", host: "db-1", primary: "db-2" });
      expect(d.action === "rebuild" && d.reason).toMatch(/db-1 holds transactions db-2 never had \(its binary log ends at 0-1-61, ahead of db-2's/);
      expect(diverged(input(t, { primary: "db-2" }), "db-1", "db-2")).toBe(true);
      expect(decide(input(t, { primary: "db-2", autoRebuild: false }))).toMatchObject({ action: "none" });
    }
  });

  it("is not judged by a mark left from another primary: it follows this one, found not ahead of it", () => {
    const t = divergedTracks(0, "Yes");
    t["db-1"]!.last!.diverged = { primary: "db-3", primaryAddress: "198.18.9.9", detail: "ahead of db-3's" };
    expect(decide(input(t, { primary: "db-2", autoRebuild: true })).action).toBe("none");
    expect(diverged(input(t, { primary: "db-2" }), "db-1", "db-2")).toBe(false);
  });

  it("is never rebuilt while the primary is not up: a failover decision comes first", () => {
    const t = divergedTracks(1236);
    t["db-2"] = track(status("db-2", obs({ readOnly: true })));
    expect(decide(input(t, { primary: "db-2", autoRebuild: true })).action).not.toBe("rebuild");
  });
});
