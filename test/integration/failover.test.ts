// Design 3's automatic database failover on a real lab: a crashed primary is replaced without losing an
// acknowledged write, every step is in the event log, the old primary rejoins (rebuilt by itself when it diverged), a planned switchover loses
// nothing, and the controller refuses to promote a replica that may be missing writes unless forced.
// Every test first brings the cluster to the state it starts from (`settle`, or the crash it builds on), through
// the CLI and waiting on events: vitest's retry of a failed test then starts where the first attempt did.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli, inHost, isRoot, useLab, testLab } from "./helpers.js";
import { dbStatus, failoverEvents, postEntry, judge, notSettled, settle, startWrites, until } from "./failover-helpers.js";

const LAB = testLab("fofail3");
const URL = "https://www.foobar.com";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** True once InnoDB on `host` has flushed its redo log up to its last log sequence number. */
function redoFlushed(lab: string, host: string): boolean {
  const status = inHost(lab, host, ["mariadb", "-N", "-B", "-e", "SHOW ENGINE INNODB STATUS"]);
  const lsn = /Log sequence number\s+(\d+)/.exec(status)?.[1];
  const flushed = /Log flushed up to\s+(\d+)/.exec(status)?.[1];
  return lsn !== undefined && lsn === flushed;
}

describe.skipIf(!isRoot)("design 3: automatic database failover", () => {
  useLab(LAB, "3-scale_up");

  it("starts with db-1 writable, db-2 read-only, lossless semi-sync acknowledged by db-2", async () => {
    const s = await settle(LAB, "db-1");
    expect(s.primary).toBe("db-1");
    expect(s.controller).toMatchObject({ phase: "watching", primary: "db-1" });
    for (const h of ["db-1", "db-2"]) expect(inHost(LAB, h, ["mariadb", "-N", "-B", "-e", "SELECT @@rpl_semi_sync_master_wait_point"]).trim()).toBe("AFTER_SYNC");
    expect(inHost(LAB, "db-1", ["mariadb", "-N", "-B", "-e", "SELECT @@read_only"]).trim()).toBe("0");
    expect(inHost(LAB, "db-2", ["mariadb", "-N", "-B", "-e", "SELECT @@read_only"]).trim()).toBe("1");
    expect(inHost(LAB, "db-1", ["mariadb", "-N", "-B", "-e", "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'"]).trim()).toMatch(/\t1$/);
  });

  /** From a settled cluster on db-1: crash db-1 under a write loop, and judge the writes on db-2. */
  async function crashPrimary() {
    await settle(LAB, "db-1");
    const loop = startWrites(LAB, URL, 12);
    await sleep(4000);
    const kill = cli(["fault", "kill", "db-1", "--name", LAB, "--json"]);
    expect(kill.code, kill.stderr).toBe(0);
    const at = (JSON.parse(kill.stdout) as { at: number }[])[0]!.at;
    return { at, verdict: await judge(LAB, loop, "db-2", at) };
  }

  let crash: { at: number; verdict: Awaited<ReturnType<typeof judge>> } | undefined;
  /** db-1 crashed and db-2 replaced it: the state the next two tests start from (crashed again if not). */
  async function crashed() {
    const s = dbStatus(LAB);
    if (!crash || s.primary !== "db-2" || s.servers.find((x) => x.host === "db-1")?.hostUp) crash = await crashPrimary();
    return crash;
  }

  it("promotes db-2 when db-1 crashes; writes through the site go on and no acknowledged write is lost", async () => {
    crash = await crashPrimary();
    const v = crash.verdict;
    expect(v.lost).toEqual([]);
    expect(v.acknowledged).toBeGreaterThan(100);
    expect(v.primaries).toEqual(["db-1", "db-2"]);
    expect(v.resumedAckAfterMs).not.toBeNull();
    await until("the controller to finish", () => dbStatus(LAB).controller?.phase === "watching");
    expect(dbStatus(LAB)).toMatchObject({ primary: "db-2", controller: { primary: "db-2", phase: "watching" } });
  });

  it("lists detection, fencing, promotion and repointing, with their times, in the event log", async () => {
    const { at: killedAt } = await crashed();
    const events = await until("the failover to be done", () => {
      const e = failoverEvents(LAB, killedAt);
      return e.some((x) => x.step === "done") ? e : undefined;
    });
    const steps = events.map((e) => e.step);
    for (const step of ["detect", "decide", "fence", "promote", "proxies", "done"]) expect(steps, events.map((e) => e.message).join("\n")).toContain(step);
    const at = (step: string) => events.find((e) => e.step === step)!.time;
    expect(at("detect")).toBeLessThanOrEqual(at("promote"));
    expect(at("promote")).toBeLessThanOrEqual(at("proxies"));
    expect(events.find((e) => e.step === "detect")!.message).toMatch(/db-2 cannot reach its database either/);
    // one controller ran the whole failover: the one holding the etcd leader key (lb-1, lb-2 or mon-1)
    expect(new Set(events.map((e) => e.source)).size).toBe(1);
    expect(events[0]!.source).toMatch(/^failover-controller on (lb-1|lb-2|mon-1)$/);
  });

  it("makes the old primary a replica of db-2 when it starts again", async () => {
    const { at: killedAt } = await crashed();
    const start = cli(["fault", "start", "db-1", "--name", LAB], 60_000);
    expect(start.code, start.stderr + start.stdout).toBe(0);
    const s = await until("db-1 to stream from db-2", () => {
      const st = dbStatus(LAB);
      const one = st.servers.find((x) => x.host === "db-1");
      return one?.role === "replica" && one.db.replica?.io === "Yes" ? st : undefined;
    });
    expect(s.primary).toBe("db-2");
    expect(inHost(LAB, "db-1", ["mariadb", "-N", "-B", "-e", "SELECT @@read_only"]).trim()).toBe("1");
    expect(failoverEvents(LAB, killedAt).some((e) => e.step === "repoint" && /db-1 follows db-2/.test(e.message))).toBe(true);
  });

  it("switches back to db-1 on request without losing a write", async () => {
    await settle(LAB, "db-2");
    const loop = startWrites(LAB, URL, 6);
    await sleep(2000);
    const r = cli(["db", "failover", "--to", "db-1", "--name", LAB, "--json"], 60_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rec = JSON.parse(r.stdout) as { kind: string; ok: boolean; pauseMs: number };
    expect(rec).toMatchObject({ kind: "switchover", ok: true });
    expect(typeof rec.pauseMs).toBe("number");
    const v = await judge(LAB, loop, "db-1");
    expect(v.lost).toEqual([]);
    const { ops } = await loop.done;
    const unknown = ops.filter((o) => o.outcome === "unknown");
    expect(unknown, JSON.stringify(unknown)).toEqual([]);
    expect(dbStatus(LAB).primary).toBe("db-1");
  });

  /** From a settled cluster on db-1: db-2 stops replicating, db-1 acknowledges a write asynchronously, then crashes. */
  async function asyncWriteThenCrash(): Promise<number> {
    await settle(LAB, "db-1");
    // db-2 stops replicating: db-1 falls back to asynchronous replication, so db-2 may miss writes.
    inHost(LAB, "db-2", ["mariadb", "-e", "STOP SLAVE"]);
    inHost(LAB, "user", ["curl", "-sf", "--max-time", "5", "-H", "content-type: application/json", "-d", '{"author":"t","message":"async write"}', `${URL}/api/entries`]);
    // With the binary log on, InnoDB writes a commit's redo record lazily (within a second): the binlog alone
    // makes the write recoverable. A crash before that leaves it "prepared", and init_rpl_role=SLAVE then cuts
    // it at restart instead of committing it. The last test needs db-1 to really hold this write, so wait.
    await until("db-1 to flush its redo log past the write", () => redoFlushed(LAB, "db-1"));
    const since = Date.now();
    expect(cli(["fault", "kill", "db-1", "--name", LAB]).code).toBe(0);
    return since;
  }

  let forcedAt = 0;
  it("refuses to promote a replica that may miss acknowledged writes, and does it when forced", async () => {
    const since = await asyncWriteThenCrash();
    const refused = await until("the controller to refuse", () => failoverEvents(LAB, since).find((e) => e.step === "refuse"));
    expect(refused.message).toMatch(/refusing to promote db-2/);
    expect(dbStatus(LAB).controller).toMatchObject({ phase: "refused", primary: "db-1" });
    expect(postEntry(LAB, URL, "refused").code).toBe("503");
    const forced = cli(["db", "failover", "--force", "--name", LAB, "--json"], 60_000);
    expect(forced.code, forced.stderr + forced.stdout).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ kind: "failover", to: "db-2", ok: true, forced: true });
    const created = JSON.parse(
      inHost(LAB, "user", ["curl", "-sf", "--max-time", "8", "-H", "content-type: application/json", "-d", '{"author":"t","message":"after force"}', `${URL}/api/entries`]),
    ) as { primary: string };
    expect(created.primary).toBe("db-2");
    // What --force cost: the write db-1 acknowledged while db-2 was not replicating is not on db-2.
    expect(inHost(LAB, "db-2", ["mariadb", "-N", "-B", "-e", "SELECT COUNT(*) FROM foobar.entries WHERE message = 'async write'"]).trim()).toBe("0");
    forcedAt = since;
  });

  it("finds that the old primary diverged when it comes back, and rebuilds it from the new one by itself", async () => {
    // Starts from the state the forced failover left: db-2 primary, db-1 down holding the asynchronous write.
    if (!forcedAt || dbStatus(LAB).primary !== "db-2" || dbStatus(LAB).servers.find((x) => x.host === "db-1")?.hostUp) {
      await asyncWriteThenCrash();
      await until("the controller to refuse", () => dbStatus(LAB).controller?.phase === "refused");
      expect(cli(["db", "failover", "--force", "--name", LAB, "--json"], 60_000).code).toBe(0);
    }
    const since = Date.now();
    expect(cli(["fault", "start", "db-1", "--name", LAB], 60_000).code).toBe(0);
    // No command typed: the controller finds db-1 diverged and has its agent rebuild it from db-2.
    const rebuilt = await until("the controller to rebuild db-1", () => failoverEvents(LAB, since).find((e) => e.step === "rebuild" && /data replaced by a copy of db-2's/.test(e.message)), 60_000);
    const events = failoverEvents(LAB, since);
    expect(
      events.some((e) => /db-1 holds transactions db-2 never had/.test(e.message)),
      events.map((e) => e.message).join("\n"),
    ).toBe(true);
    // What only db-1 held was saved to a file first, named in the event log and in `db status`, and said to be unacknowledged.
    expect(rebuilt.message).toMatch(
      /it follows db-2; the \d+ transaction\(s\) only db-1 held \(0-1-\d+.*\) are kept in db-1:\S+stacklab-diverged\/db-1-\S+\.sql \(none of them was acknowledged to a client/,
    );
    const s = await until(
      "the tier to be back to a primary and an in-sync replica",
      () => {
        const st = dbStatus(LAB);
        return notSettled(st, "db-2", true) === null ? st : undefined;
      },
      30_000,
    );
    expect(inHost(LAB, "db-1", ["mariadb", "-N", "-B", "-e", "SELECT COUNT(*) FROM foobar.entries WHERE message = 'async write'"]).trim()).toBe("0");
    const saved = (JSON.parse(cli(["db", "status", "--name", LAB, "--json"]).stdout) as { saved: { host: string; primary: string; file: string; gtids: string[] }[] }).saved.at(-1)!;
    expect(saved).toMatchObject({ host: "db-1", primary: "db-2" });
    expect(saved.gtids.length).toBeGreaterThan(0);
    expect(readFileSync(saved.file, "utf8")).toContain("async write");
    expect(s.primary).toBe("db-2");
    // A person may still rebuild a replica by hand (here one that holds nothing of its own): it saves nothing and follows again.
    const r = cli(["db", "rejoin", "db-1", "--rebuild", "--name", LAB, "--json"], 60_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: "db-1", primary: "db-2", outcome: "streaming" });
  });
});
