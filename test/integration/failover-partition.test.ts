// A primary cut off from the controller and its replica, but still reachable by the app hosts: it fences itself
// (stopping MariaDB at once while commits wait for the replica) before it could acknowledge a write the replica
// lacks, db-2 is promoted, and after the partition heals the old primary, which cut the commits it never
// answered when it restarted, rejoins as a replica by itself.
// The lab runs with `up --no-auto-rebuild` (nothing above needs a rebuild): a primary frozen under writes comes back
// diverged, and the controller records it once and leaves it for a person's `db rejoin --rebuild`.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli, inHost, isRoot, useLab, testLab } from "./helpers.js";
import { dbStatus, failoverEvents, postEntry, judge, notSettled, settle, startWrites, until } from "./failover-helpers.js";

const LAB = testLab("fopart");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)("design 3: the primary partitioned away", () => {
  useLab(LAB, "3-scale_up", { args: ["--no-auto-rebuild"] });

  /** From a settled cluster on db-1: cut db-1 off from db-2 and every failover controller (lb-1, lb-2, mon-1) under a write loop, and judge the writes on db-2. */
  async function partitionPrimary() {
    await settle(LAB, "db-1");
    const loop = startWrites(LAB, "https://www.foobar.com", 10);
    await sleep(3000);
    const since = Date.now();
    expect(cli(["fault", "partition", "db-1", "--from", "db-2", "lb-1", "lb-2", "mon-1", "--name", LAB]).code).toBe(0);
    return { since, verdict: await judge(LAB, loop, "db-2") };
  }
  let partition: Awaited<ReturnType<typeof partitionPrimary>> | undefined;

  it("fences itself, db-2 takes over, and no acknowledged write is lost", async () => {
    partition = await partitionPrimary();
    const { since, verdict: v } = partition;
    expect(v.lost).toEqual([]);
    expect(v.primaries).toContain("db-2");
    const events = failoverEvents(LAB, since);
    expect(events.find((e) => e.step === "self-fence")?.message).toMatch(/db-1 fenced itself/);
    expect(events.some((e) => e.step === "promote" && /promoted db-2/.test(e.message))).toBe(true);
  });

  it("after the partition heals, the old primary rejoins by itself: the commits it never answered were cut at its restart", async () => {
    // Starts from the partition the previous test made (made again if it is gone).
    if (!partition || dbStatus(LAB).primary !== "db-2") partition = await partitionPrimary();
    await until("db-2 to take over", () => dbStatus(LAB).controller?.primary === "db-2");
    const since = Date.now();
    expect(cli(["fault", "heal", "--name", LAB], 60_000).code).toBe(0);
    partition = undefined;
    await until("db-1 to stream from db-2", () => dbStatus(LAB).servers.find((s) => s.host === "db-1")?.db.replica?.io === "Yes", 30_000);
    expect(dbStatus(LAB).primary).toBe("db-2");
    expect(failoverEvents(LAB, since).some((e) => e.step === "repoint" && /db-1 follows db-2/.test(e.message))).toBe(true);
    // db-1 holds nothing db-2 lacks: no rebuild was needed.
    const rows = (h: string) => inHost(LAB, h, ["mariadb", "-N", "-B", "-e", "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM foobar.entries"]).trim();
    await until("db-1 to hold what db-2 holds", () => rows("db-1") === rows("db-2"));
  });

  /**
   * From a settled cluster on db-1: freezes db-1 under a write loop until db-2 is promoted, then resumes it and
   * waits for the controller to make it follow db-2. Writes sent to db-1 while it was frozen wait in its sockets and
   * run when it resumes, before it is fenced: it then holds transactions db-2 never had (none acknowledged, their
   * clients gave up), unless its agent stopped MariaDB first (self-fence: the controller silent, commits waiting),
   * which cuts them.
   */
  async function freezePrimary() {
    await settle(LAB, "db-1");
    const loop = startWrites(LAB, "https://www.foobar.com", 10);
    await sleep(3000);
    const since = Date.now();
    expect(cli(["fault", "pause", "db-1", "--name", LAB]).code).toBe(0);
    await until("db-2 to be promoted", () => failoverEvents(LAB, since).find((e) => e.step === "done" && /db-2 is the primary/.test(e.message)), 30_000);
    expect(cli(["fault", "heal", "--name", LAB], 60_000).code).toBe(0);
    const back = await until(
      "the controller to make db-1 follow db-2",
      () => failoverEvents(LAB, since).find((e) => e.step === "repoint" && /^db-1 (follows db-2|holds transactions db-2 never had)/.test(e.message)),
      30_000,
    );
    return { loop, since, diverged: /holds transactions/.test(back.message) };
  }

  it("with --no-auto-rebuild, a primary frozen under writes comes back diverged: recorded once and left as it is until a person rebuilds it; no acknowledged write lost", async () => {
    // A diverged db-1 is what this test starts from: frozen again (at most 3 times) when it came back without diverging.
    const loops: ReturnType<typeof startWrites>[] = [];
    let frozen = await freezePrimary();
    loops.push(frozen.loop);
    for (let i = 1; i < 3 && !frozen.diverged; i++) {
      console.log(`freeze ${i}: db-1 came back without diverging (its agent cut the commits it never answered); freezing it again`);
      frozen = await freezePrimary();
      loops.push(frozen.loop);
    }
    expect(frozen.diverged, "db-1 came back diverged from one of 3 freezes").toBe(true);
    const { since } = frozen;
    expect(dbStatus(LAB).controller).toMatchObject({ autoRebuild: false });
    const lines = () =>
      failoverEvents(LAB, since)
        .map((e) => `${e.step}: ${e.message}`)
        .join("\n");
    // Autorebuild off: the controller judges db-1 from a fresh look and records that it leaves it as it is.
    const left = await until("the controller to leave db-1 as it is", () => failoverEvents(LAB, since).find((e) => e.step === "leave"), 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${lines()}`);
    });
    expect(left.message).toMatch(/db-1 is left as it is, diverged from db-2, .*autoRebuild is off.*stacklab db rejoin db-1 --rebuild/);
    let events = failoverEvents(LAB, since);
    expect(
      events.filter((e) => /db-1 holds transactions db-2 never had/.test(e.message)),
      lines(),
    ).toHaveLength(1);
    expect(
      events.filter((e) => e.step === "rebuild"),
      lines(),
    ).toEqual([]);
    const s = dbStatus(LAB);
    expect(s.controller).toMatchObject({ primary: "db-2", diverged: ["db-1"], rebuilding: [] });
    // Not replicating: stopped on MariaDB's error 1236, or never started because its agent's follow found its binary
    // log ahead of db-2's (when db-2 had written nothing of its own yet), which its agent's status says.
    const db1 = s.servers.find((x) => x.host === "db-1")!;
    expect(db1.db.replica).toMatchObject({ io: "No" });
    if (db1.db.replica?.lastIoErrno !== 1236) expect(db1.agent).toMatchObject({ diverged: { primary: "db-2", detail: expect.stringMatching(/ahead of db-2's/) } });
    expect(cli(["db", "status", "--name", LAB]).stdout).toMatch(/db-1 diverged from db-2, left as it is: `stacklab db rejoin db-1 --rebuild`/);
    // A person rebuilds it: what only db-1 held goes to a file of the lab, and db-1 follows db-2 again.
    const r = cli(["db", "rejoin", "db-1", "--rebuild", "--name", LAB, "--json"], 120_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: "db-1", primary: "db-2", outcome: "streaming" });
    const settled = await until("db-1 to stream from db-2 and hold what it holds", () => {
      const st = dbStatus(LAB);
      return notSettled(st, "db-2", true) === null ? st : undefined;
    });
    expect(settled.controller?.diverged).toEqual([]);
    const { tag } = await frozen.loop.done;
    const saved = settled.saved.at(-1)!;
    expect(saved).toMatchObject({ host: "db-1" });
    expect(saved.gtids.length).toBeGreaterThan(0);
    // the writes db-1 ran after it resumed, on no other server now
    expect(readFileSync(saved.file, "utf8")).toContain(`${tag}-`);
    events = failoverEvents(LAB, since);
    expect(events.some((e) => e.step === "rebuild" && /db-1's data replaced by a copy of db-2's/.test(e.message) && e.message.includes(saved.file))).toBe(true);
    expect(events.filter((e) => /db-1 holds transactions db-2 never had/.test(e.message))).toHaveLength(1);
    // Every write a client was told succeeded, in every freeze, is on db-2.
    for (const loop of loops) {
      const v = await judge(LAB, loop, "db-2");
      expect(v.lost).toEqual([]);
      expect(v.acknowledged).toBeGreaterThan(0);
    }
  });

  it("with the controller gone, a primary that fenced itself when its replica went takes writes again by itself once the replica is back", async () => {
    await settle(LAB, "db-1");
    const since = Date.now();
    const loop = startWrites(LAB, "https://www.foobar.com", 20, 100);
    // every controller (one beside each etcd member) stops, or another would take the lead
    for (const h of ["lb-1", "lb-2", "mon-1"]) expect(cli(["fault", "stop", h, "failover-controller", "--name", LAB]).code).toBe(0);
    // A short loss of the replica: once the controller has been silent for 600 ms, db-1 fences itself.
    inHost(LAB, "db-2", ["mariadb", "-e", "STOP SLAVE"]);
    const fence = await until("db-1 to fence itself", () => failoverEvents(LAB, since).find((e) => e.step === "self-fence"));
    expect(fence.message).toMatch(/db-1 fenced itself.*no word from the failover controller/);
    inHost(LAB, "db-2", ["mariadb", "-e", "START SLAVE"]);
    const unfence = await until("db-1 to take writes again by itself", () => failoverEvents(LAB, since).find((e) => e.step === "self-unfence"), 30_000);
    expect(unfence.message).toMatch(/db-1 takes writes again by itself.*none was promoted/);
    const created = await until("a write through the site to succeed", () => {
      const r = postEntry(LAB, "https://www.foobar.com", "after the self-unfence", 5);
      return /^2\d\d$/.test(r.code) ? (JSON.parse(r.body) as { primary: string }) : undefined;
    });
    expect(created.primary).toBe("db-1");
    // No person typed a command, no controller ran: db-1 stayed the only primary and lost no acknowledged write.
    expect(dbStatus(LAB)).toMatchObject({ primary: "db-1", writable: ["db-1"] });
    const v = await judge(LAB, loop, "db-1");
    expect(v.lost).toEqual([]);
    expect(v.primaries).toEqual(["db-1"]);
    expect(v.acknowledged).toBeGreaterThan(0);
    expect(cli(["fault", "heal", "--name", LAB], 60_000).code).toBe(0);
  });
});
