// Design 1 has manual failover: with no controller, a crashed primary leaves writes failing (until a person acts)
// while reads go on from the replica; `stacklab db failover` refuses an asynchronous replica unless forced.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli, inHost, isRoot, useLab, testLab } from "./helpers.js";
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

  it("finds a replica holding a transaction the primary never had when it rejoins, even before the primary writes again; --rebuild keeps it in a file", async () => {
    // Known state, a retry included: both servers up, the other one streaming from the primary, with nothing of
    // its own (rebuilt from the primary: that also undoes an earlier attempt's stray write).
    expect(cli(["fault", "heal", "--name", LAB], 120_000).code).toBe(0);
    const primary = await until("one server to take writes", () => dbStatus(LAB).primary ?? undefined, 30_000);
    const other = primary === "server-1" ? "server-2" : "server-1";
    const rebuilt = cli(["db", "rejoin", other, "--rebuild", "--name", LAB, "--json"], 120_000);
    expect(rebuilt.code, rebuilt.stderr + rebuilt.stdout).toBe(0);
    const pos = (h: string) => inHost(LAB, h, ["mariadb", "-N", "-B", "-e", "SELECT @@gtid_binlog_pos"]).trim();
    await until(`${other} to catch up with ${primary}`, () => pos(other) === pos(primary) || undefined, 30_000);
    // A person writes on the replica by hand: a transaction only it holds, after which the primary writes nothing.
    const stray = `written on ${other} only ${Date.now()}`;
    inHost(LAB, other, [
      "mariadb",
      "-e",
      `STOP SLAVE; SET GLOBAL read_only = OFF; INSERT INTO foobar.entries (author, message, app_host) VALUES ('t', '${stray}', 'by-hand'); SET GLOBAL read_only = ON;`,
    ]);
    const primaryAt = pos(primary);
    const r = cli(["db", "rejoin", other, "--name", LAB, "--json"], 60_000);
    expect(r.code, r.stderr).toBe(1);
    // MariaDB would have let it stream (the primary's sequence numbers do not pass its own): the agent's check found it.
    expect(JSON.parse(r.stdout)).toMatchObject({ host: other, primary, outcome: "diverged", detail: expect.stringMatching(new RegExp(`ahead of ${primary}'s \\(${primaryAt}\\)`)) });
    expect(pos(primary), "the primary wrote nothing meanwhile: the case MariaDB does not catch").toBe(primaryAt);
    const s = dbStatus(LAB).servers.find((x) => x.host === other)!;
    expect(s.agent).toMatchObject({ diverged: { primary }, answers: { write: expect.stringMatching(/^down/) } });
    expect(s.db.replica).toMatchObject({ io: "No", sqlRunning: false });
    expect(cli(["db", "status", "--name", LAB]).stdout).toContain(`diverged from ${primary}: its binary log ends at`);
    // The rebuild keeps the stray transaction in a file of the lab, and the server streams from the primary again.
    const fixed = cli(["db", "rejoin", other, "--rebuild", "--name", LAB, "--json"], 120_000);
    expect(fixed.code, fixed.stderr + fixed.stdout).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ outcome: "streaming" });
    const saved = dbStatus(LAB)
      .saved.filter((x) => x.host === other)
      .at(-1)!;
    expect(readFileSync(saved.file, "utf8")).toContain(stray);
    expect(dbStatus(LAB).servers.find((x) => x.host === other)!.agent).toMatchObject({ diverged: null });
  });
});
