// Design 3, whose blueprint has the primary lease on (`database.primaryLease: true`): the primary's agent holds a
// key in etcd and its server is writable only while it does. A primary cut off from etcd and the controllers (not
// from its replica, so the replica's second opinion cannot call it dead) goes read-only by itself and db-2 takes the
// key; a crashed primary's lease is revoked by the leading controller so that db-2 takes the key without waiting for
// it to run out. No acknowledged write is lost. Each test starts from a settled cluster on db-1 (`settle`).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cli, isRoot, useLab, testLab } from "./helpers.js";
import { dbStatus, failoverEvents, judge, notSettled, settle, startWrites, until } from "./failover-helpers.js";

const LAB = testLab("folease");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
if (!/^ {2}primaryLease: true$/m.test(readFileSync(join(ROOT, "blueprints/3-scale_up.yaml"), "utf8"))) throw new Error("blueprint 3 no longer has the primary lease on: this file tests it");

/** What `db status --json` shows of an agent's primary lease. */
function leaseOf(host: string): { holds: boolean } | null {
  const s = dbStatus(LAB).servers.find((x) => x.host === host);
  const a = s?.agent as { lease?: { holds: boolean } } | null | undefined;
  return a?.lease ?? null;
}

/**
 * The start of every case: the cluster settled on db-1 with db-1's agent holding the lease, `writers` writers
 * running for 3 s, then `fault` (its words after `stacklab fault`). Returns the write loop, when the case started
 * (for the event log) and when the fault struck.
 */
async function underWrites(writers: number, fault: string[]) {
  await settle(LAB, "db-1");
  await until("db-1's agent to hold the primary lease", () => leaseOf("db-1")?.holds === true);
  expect(leaseOf("db-2")?.holds).toBe(false);
  const loop = startWrites(LAB, "https://www.foobar.com", writers);
  await sleep(3000);
  const since = Date.now();
  const r = cli(["fault", ...fault, "--name", LAB, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return { loop, since, at: (JSON.parse(r.stdout) as { at: number }[])[0]!.at };
}

describe.skipIf(!isRoot)("design 3 with the primary lease in etcd", () => {
  useLab(LAB, "3-scale_up");

  it("a primary cut off from etcd and the controllers goes read-only by itself; db-2 takes the key and writes resume, none acknowledged lost", async () => {
    const { loop, since, at } = await underWrites(14, ["partition", "db-1", "--from", "lb-1", "lb-2", "mon-1"]);
    // db-2 still reaches db-1's MariaDB: only the lease can say db-1 stopped taking writes
    const v = await judge(LAB, loop, "db-2", at);
    expect(v.lost).toEqual([]);
    expect(v.primaries).toEqual(["db-1", "db-2"]);
    expect(v.resumedAckAfterMs).not.toBeNull();
    const events = await until("the failover to be done", () => {
      const e = failoverEvents(LAB, since);
      return e.some((x) => x.step === "done") ? e : undefined;
    });
    const fence = events.find((e) => e.step === "self-fence" && e.source === "db-agent on db-1");
    expect(fence?.message).toMatch(/primary lease/);
    const detect = events.find((e) => e.step === "detect")!;
    expect(detect.message).toMatch(/does not hold the primary lease/);
    // db-1 fenced itself before the controller promoted anyone
    expect(fence!.time).toBeLessThanOrEqual(events.find((e) => e.step === "promote")!.time);
    expect(dbStatus(LAB).primary).toBe("db-2");
    expect(leaseOf("db-2")?.holds).toBe(true);
  });

  it("a crashed primary's lease is revoked by the leading controller: db-2 takes the key at once; no acknowledged write lost", async () => {
    const { loop, since, at } = await underWrites(12, ["kill", "db-1"]);
    const v = await judge(LAB, loop, "db-2", at);
    expect(v.lost).toEqual([]);
    expect(v.primaries).toEqual(["db-1", "db-2"]);
    expect(v.resumedAckAfterMs).not.toBeNull();
    const events = await until("the failover to be done", () => {
      const e = failoverEvents(LAB, since);
      return e.some((x) => x.step === "done") ? e : undefined;
    });
    expect(events.find((e) => e.step === "lease")?.message).toMatch(/revoked db-1's primary lease/);
    expect(leaseOf("db-2")?.holds).toBe(true);
  });
  it("a primary frozen under writes cannot renew its lease: db-2 takes the key; after the heal db-1 fences itself and is a replica of db-2 again with no command typed; no acknowledged write lost", async () => {
    const { loop, since, at } = await underWrites(14, ["pause", "db-1"]);
    // Frozen, db-1's agent renews nothing: the key is db-2's once the lease ran out or was revoked.
    await until("db-2 to be promoted", () => failoverEvents(LAB, since).find((e) => e.step === "done" && /db-2 is the primary/.test(e.message)), 30_000);
    const v = await judge(LAB, loop, "db-2", at);
    expect(v.lost).toEqual([]);
    expect(v.primaries).toEqual(["db-1", "db-2"]);
    expect(v.resumedAckAfterMs).not.toBeNull();
    const heal = cli(["fault", "heal", "--name", LAB], 60_000);
    expect(heal.code, heal.stderr).toBe(0);
    // Whole again by itself: db-1 follows db-2 (caught up by GTID, or rebuilt if writes queued while it was frozen
    // ran when it woke), and only db-2's agent holds the key.
    const lines = () =>
      failoverEvents(LAB, since)
        .map((e) => `${e.source} ${e.step}: ${e.message}`)
        .join("\n");
    await until("db-1 to be an in-sync replica of db-2", () => notSettled(dbStatus(LAB), "db-2", true) === null, 60_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${lines()}`);
    });
    expect(leaseOf("db-2")?.holds).toBe(true);
    expect(leaseOf("db-1")?.holds).toBe(false);
    // Woken without the key, db-1's agent made its server read-only by itself (or the controller had fenced it first).
    const events = failoverEvents(LAB, since);
    console.log(`freeze with the lease: writes back ${v.resumedAckAfterMs} ms after the freeze; events: ${events.map((e) => `${e.step} (${e.source})`).join(", ")}`);
    expect(
      events.some((e) => (e.step === "self-fence" && e.source === "db-agent on db-1") || (e.step === "fence" && /db-1/.test(e.message))),
      lines(),
    ).toBe(true);
  });
});
