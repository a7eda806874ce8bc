// Design 1 has manual failover: with no controller, a crashed primary leaves writes failing (until a person acts)
// while reads go on from the replica; `stacklab db failover` refuses an asynchronous replica unless forced.
import { describe, expect, it } from "vitest";
import { cli, isRoot, useLab, testLab } from "./helpers.js";
import { dbStatus, failoverEvents, postEntry, settle, until } from "./failover-helpers.js";

const LAB = testLab("foman1");
const URL = "http://www.foobar.com";

const post = (message: string) => postEntry(LAB, URL, message);

describe.skipIf(!isRoot)("design 1: manual database failover", () => {
  useLab(LAB, "1-distributed_web_infrastructure");

  let id = 0;
  it("runs no controller: the database proxies and agents only follow what the servers are", async () => {
    await settle(LAB, "server-1", { controller: false });
    const s = dbStatus(LAB);
    expect(s).toMatchObject({ primary: "server-1", controller: null });
    const created = post("before the crash");
    expect(created.code).toBe("201");
    id = (JSON.parse(created.body) as { id: number }).id;
  });

  it("after the primary crashes, writes fail and stay failed while reads go on from the replica", async () => {
    await settle(LAB, "server-1", { controller: false });
    if (!id) id = (JSON.parse(post("before the crash").body) as { id: number }).id;
    const since = Date.now();
    expect(cli(["fault", "kill", "server-1", "--name", LAB]).code).toBe(0);
    for (let i = 0; i < 3; i++) {
      expect(post(`after the crash ${i}`).code).toBe("503");
      await new Promise((r) => setTimeout(r, 1000));
    }
    const read = cli(["exec", "--name", LAB, "user", "--", "curl", "-sf", "--max-time", "5", `${URL}/api/entries/${id}`]);
    expect(read.code, read.stderr).toBe(0);
    expect((JSON.parse(read.stdout) as { servedBy: { db: string } }).servedBy.db).toBe("server-2");
    expect(dbStatus(LAB).primary).toBeNull();
    expect(failoverEvents(LAB, since).filter((e) => ["promote", "done"].includes(e.step))).toEqual([]);
  });

  it("refuses a manual failover to an asynchronous replica, and promotes it when forced", async () => {
    // Starts from the crash of the previous test: server-1 down, server-2 a replica nobody promoted.
    if (dbStatus(LAB).servers.find((s) => s.host === "server-1")?.hostUp || dbStatus(LAB).primary !== null) {
      await settle(LAB, "server-1", { controller: false });
      expect(cli(["fault", "kill", "server-1", "--name", LAB]).code).toBe(0);
    }
    const refused = cli(["db", "failover", "--name", LAB], 60_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/asynchronous/);
    const forced = cli(["db", "failover", "--force", "--name", LAB, "--json"], 60_000);
    expect(forced.code, forced.stderr + forced.stdout).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ kind: "failover", to: "server-2", forced: true });
    const created = await until("a write to succeed", () => {
      const r = post("after the forced failover");
      return r.code === "201" ? (JSON.parse(r.body) as { primary: string }) : undefined;
    });
    expect(created.primary).toBe("server-2");
  });
});
