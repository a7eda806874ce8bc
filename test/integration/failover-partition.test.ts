// A primary cut off from the controller and its replica, but still reachable by the app hosts: it fences itself
// before it could acknowledge a write the replica lacks, db-2 is promoted, and after the partition heals the old
// primary (which holds commits nobody acknowledged) is found diverged and rebuilt.
import { describe, expect, it } from "vitest";
import { cli, isRoot, useLab } from "./helpers.js";
import { dbStatus, failoverEvents, judge, startWrites, until } from "./failover-helpers.js";

const LAB = "dbxtp";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)("design 3: the primary partitioned away", () => {
  useLab(LAB, "3-scale_up");

  it("fences itself, db-2 takes over, and no acknowledged write is lost", async () => {
    const loop = startWrites(LAB, "https://www.foobar.com", 10);
    await sleep(3000);
    const since = Date.now();
    expect(cli(["fault", "partition", "db-1", "--from", "db-2", "mon-1", "--name", LAB]).code).toBe(0);
    const v = await judge(LAB, loop, "db-2");
    expect(v.lost).toEqual([]);
    expect(v.primaries).toContain("db-2");
    const events = failoverEvents(LAB, since);
    expect(events.find((e) => e.step === "self-fence")?.message).toMatch(/db-1 fenced itself/);
    expect(events.some((e) => e.step === "promote" && /promoted db-2/.test(e.message))).toBe(true);
  });

  it("after the partition heals, the old primary is found diverged, rebuilt and streams from db-2", async () => {
    const since = Date.now();
    expect(cli(["fault", "heal", "--name", LAB], 60_000).code).toBe(0);
    await until("the controller to try db-1", () => failoverEvents(LAB, since).find((e) => e.step === "repoint"));
    const r = cli(["db", "rejoin", "db-1", "--rebuild", "--name", LAB, "--json"], 60_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    await until("db-1 to stream from db-2", () => dbStatus(LAB).servers.find((s) => s.host === "db-1")?.db.replica?.io === "Yes");
    expect(dbStatus(LAB).primary).toBe("db-2");
  });
});
