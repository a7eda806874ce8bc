// Design 3 with no single controller: the host of the leading failover controller (also an etcd member) dies
// together with the database primary; another controller takes the etcd lease and promotes db-2, losing no
// acknowledged write; and a non-leading member's host dies alone before the primary crashes: the two members left keep
// the quorum and db-2 is promoted; and db-2, primary after a switchover, dies with the leader's host. Each starts
// from a settled cluster (`settle`: on db-1, on db-2 for the last), so a retry starts where the first did.
import { describe, expect, it } from "vitest";
import { cli, isRoot, useLab, testLab } from "./helpers.js";
import { dbStatus, failoverEvents, judge, settle, startWrites, until } from "./failover-helpers.js";

const LAB = testLab("foetcd3");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Crashes `from` (the primary) under a running write loop and judges the writes on `to`: none acknowledged lost, writes resumed there. */
async function crashPrimaryUnder(loop: ReturnType<typeof startWrites>, from = "db-1", to = "db-2"): Promise<void> {
  const kill = cli(["fault", "kill", from, "--name", LAB, "--json"]);
  expect(kill.code, kill.stderr).toBe(0);
  const at = (JSON.parse(kill.stdout) as { at: number }[])[0]!.at;
  const v = await judge(LAB, loop, to, at);
  expect(v.lost).toEqual([]);
  expect(v.primaries).toEqual([from, to]);
  expect(v.resumedAckAfterMs).not.toBeNull();
}

describe.skipIf(!isRoot)("design 3: failover with controllers on every etcd member", () => {
  useLab(LAB, "3-scale_up");

  it("promotes db-2 when db-1 and the leading controller's host crash together; no acknowledged write is lost", async () => {
    await settle(LAB, "db-1");
    const leader = await until("a controller to lead", () => {
      const h = dbStatus(LAB).controllerHost;
      return h && ["lb-1", "lb-2", "mon-1"].includes(h) ? h : undefined;
    });
    const loop = startWrites(LAB, "https://www.foobar.com", 12);
    await sleep(3000);
    const since = Date.now();
    // the leader's host first (its etcd member and its controller go with it), then the primary
    expect(cli(["fault", "kill", leader, "--name", LAB]).code).toBe(0);
    await crashPrimaryUnder(loop);
    const events = await until("the failover to be done", () => {
      const e = failoverEvents(LAB, since);
      return e.some((x) => x.step === "done") ? e : undefined;
    });
    // another controller took the lease and ran the failover
    const done = events.find((e) => e.step === "done")!;
    expect(done.source).toMatch(/^failover-controller on (lb-1|lb-2|mon-1)$/);
    expect(done.source).not.toBe(`failover-controller on ${leader}`);
    expect(events.some((e) => e.step === "lead" && e.source === done.source)).toBe(true);
  });

  it("promotes db-2 when db-1 crashes while a non-leading etcd member's host is down; two members keep the quorum and writes resume", async () => {
    await settle(LAB, "db-1");
    const leader = await until("a controller to lead", () => {
      const h = dbStatus(LAB).controllerHost;
      return h && ["lb-1", "lb-2", "mon-1"].includes(h) ? h : undefined;
    });
    const member = ["lb-1", "lb-2", "mon-1"].find((h) => h !== leader)!;
    // one etcd member and its (standing-by) controller gone: two members of three keep the quorum and the lease
    expect(cli(["fault", "kill", member, "--name", LAB]).code).toBe(0);
    const loop = startWrites(LAB, "https://www.foobar.com", 8);
    await sleep(2000);
    const since = Date.now();
    await crashPrimaryUnder(loop);
    const done = await until("the failover to be done", () => failoverEvents(LAB, since).find((e) => e.step === "done"));
    // a live controller ran it (the leader, unless it lost the lease meanwhile), never the dead member's
    expect(done.source).toMatch(/^failover-controller on (lb-1|lb-2|mon-1)$/);
    expect(done.source).not.toBe(`failover-controller on ${member}`);
    expect(dbStatus(LAB).primary).toBe("db-2");
  });

  it("promotes db-1 when db-2, the primary since a switchover the standing-by controllers did not run, crashes with the leading controller's host", async () => {
    // the leader switches over to db-2; the controllers standing by still hold the spec's db-1 as their own idea
    // of the primary, and must judge db-2 from their own looks once one of them leads (before: it refused,
    // having "never seen the primary replicating semi-synchronously", and promoted nobody while the hosts were down)
    await settle(LAB, "db-2");
    const leader = await until("a controller to lead", () => {
      const h = dbStatus(LAB).controllerHost;
      return h && ["lb-1", "lb-2", "mon-1"].includes(h) ? h : undefined;
    });
    const loop = startWrites(LAB, "https://www.foobar.com", 12);
    await sleep(3000);
    const since = Date.now();
    expect(cli(["fault", "kill", leader, "--name", LAB]).code).toBe(0);
    await crashPrimaryUnder(loop, "db-2", "db-1");
    const done = await until("the failover to be done", () => failoverEvents(LAB, since).find((e) => e.step === "done"));
    expect(done.source).toMatch(/^failover-controller on (lb-1|lb-2|mon-1)$/);
    expect(done.source).not.toBe(`failover-controller on ${leader}`);
    expect(dbStatus(LAB).primary).toBe("db-1");
  });
});
