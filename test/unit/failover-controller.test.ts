// The failover controller's loop (controller.ts) around its decisions, on a virtual clock, with agents that answer
// the way the real ones do: a status is the agent's last look, so a poll answered while the controller was making
// the server follow the primary shows the server as it was before.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { Controller, type Published } from "../../src/failover/controller/controller.js";
import { HttpError } from "../../src/failover/http.js";
import type { AgentClient, AgentStatus, FollowResult, RebuildResult } from "../../src/failover/types.js";
import { controllerConfig, obs, status, virtualClockAndFolder } from "./failover-helpers.js";

const AHEAD = "its binary log ends at 0-1-82, ahead of db-2's (0-1-80)";
const ERROR_1236 = "Got fatal error 1236 from master when reading data from binary log: 'Error: connecting slave requested to start from GTID 0-1-82, which is not in the master's binlog'";

/**
 * db-2 the primary; db-1, the old primary, back read-only and following nobody, holds transactions db-2 never had.
 * Each status answers `latencyMs` after it was asked, with the look its agent had when asked; a follow takes
 * `followMs` (its IO thread connects, then stops on error 1236).
 */
class Agents implements AgentClient {
  readonly looks: Record<string, AgentStatus> = {
    "db-1": status("db-1", obs({ readOnly: true })),
    "db-2": status("db-2", obs()),
  };
  follows = 0;
  rebuilds = 0;
  constructor(
    private readonly latencyMs: number,
    private readonly followMs: number,
  ) {}

  /** db-1 found following db-2 with its IO thread stopped on 1236 already (it diverged before this controller led). */
  diverged(): this {
    this.looks["db-1"] = this.replicaOfDb2("db-1", "No", 1236);
    return this;
  }

  private replicaOfDb2(host: string, io: "Connecting" | "No", errno: number): AgentStatus {
    const db = obs({ replicaOf: "db-2", io, gtidBinlogPos: "0-1-82", gtidCurrentPos: "0-1-82" });
    db.replica = { ...db.replica!, lastIoErrno: errno, lastIoError: errno ? ERROR_1236 : "" };
    return status(host, db);
  }

  status(host: string): Promise<AgentStatus> {
    const look = structuredClone(this.looks[host]!);
    return new Promise((r) => setTimeout(() => r(look), this.latencyMs));
  }

  /** With `slowTls`, the IO thread is still connecting when the follow stops watching, and stops on 1236 that long after. */
  slowTls = 0;

  /**
   * With `byCheck`, the follow's own check finds the server ahead of db-2 (which has written nothing since it took
   * over, so MariaDB would let it connect): set up to follow db-2, not started, and its agent's status says why.
   */
  byCheck = false;

  /** With `busy` > 0, that many follows are refused as the agent does while another action runs; the next one streams. */
  busy = 0;

  async follow(host: string, primary: string): Promise<FollowResult> {
    this.follows++;
    if (this.busy > 0) {
      this.busy--;
      if (this.busy === 0) this.streamsNext = true;
      throw new HttpError(409, "another action is running on this server");
    }
    if (this.streamsNext) {
      this.looks[host] = status(host, obs({ replicaOf: primary }));
      return { host, primary, outcome: "streaming", detail: "", gtid: "0-2-100", ms: this.followMs };
    }
    this.looks[host] = this.replicaOfDb2(host, "Connecting", 0);
    await new Promise((r) => setTimeout(r, this.followMs));
    if (this.byCheck) {
      const look = this.replicaOfDb2(host, "No", 0);
      look.diverged = { primary, primaryAddress: look.db.replica!.masterHost, detail: AHEAD };
      this.looks[host] = look;
      return { host, primary, outcome: "diverged", detail: AHEAD, gtid: "0-1-82", ms: this.followMs };
    }
    if (this.slowTls) {
      setTimeout(() => (this.looks[host] = this.replicaOfDb2(host, "No", 1236)), this.slowTls);
      return { host, primary, outcome: "connecting", detail: "", gtid: "0-1-82", ms: this.followMs };
    }
    this.looks[host] = this.replicaOfDb2(host, "No", 1236);
    return { host, primary, outcome: "diverged", detail: ERROR_1236, gtid: "0-1-82", ms: this.followMs };
  }

  private streamsNext = false;

  rebuild(): Promise<RebuildResult> {
    this.rebuilds++;
    return Promise.reject(new Error("the rebuild fails here: only asking for it is checked"));
  }
  fence(): never {
    throw new Error("fence: not expected");
  }
  promote(): never {
    throw new Error("promote: not expected");
  }
  waitApplied(): never {
    throw new Error("waitApplied: not expected");
  }
}

const dir = virtualClockAndFolder("stacklab-controller-");

/**
 * A controller that failed over from db-1 to db-2 (its state file says so), watching both for `ms` of virtual time;
 * with `published`, it took over the lead from a controller that published that.
 */
async function watch(agents: Agents, ms: number, autoRebuild = false, published?: Published) {
  const stateFile = join(dir(), `state-${Math.random()}.json`);
  writeFileSync(stateFile, JSON.stringify({ primary: "db-2", failovers: [], known: ["db-1", "db-2"] }));
  const cfg = controllerConfig(dir(), { stateFile, autoRebuild });
  const events: { step: string; message: string; data?: Record<string, unknown> }[] = [];
  const publishedByIt: Published[] = [];
  const c = new Controller(
    cfg,
    agents,
    (step, message, data) => events.push({ step, message, ...(data ? { data } : {}) }),
    () => undefined,
    () => true,
    (p) => publishedByIt.push(p),
  );
  if (published) c.takeOver(published);
  c.start();
  await vi.advanceTimersByTimeAsync(ms);
  c.stop();
  await vi.advanceTimersByTimeAsync(1000);
  return { events, state: c.state(), published: publishedByIt.at(-1) };
}

describe("a replica found diverged with autoRebuild off (--no-auto-rebuild)", () => {
  // Several follow durations and answer delays: the poll that is answered last before the rejoin ends then falls
  // at every point of the controller's step cycle.
  const timings = [0, 30, 90, 150].flatMap((latencyMs) => [120, 170, 220, 270, 330].map((followMs) => ({ latencyMs, followMs })));

  it.each(timings)("is recorded once in the event log, then left for a person once (answers after $latencyMs ms, follow $followMs ms)", async ({ latencyMs, followMs }) => {
    const agents = new Agents(latencyMs, followMs);
    const { events, state } = await watch(agents, 5000);
    const lines = events.map((e) => `${e.step}: ${e.message}`).join("\n");
    expect(agents.follows, lines).toBe(1);
    const found = events.filter((e) => e.data?.outcome === "diverged");
    expect(found, lines).toHaveLength(1);
    expect(found[0]).toMatchObject({ step: "repoint", data: { host: "db-1" } });
    expect(found[0]!.message).toMatch(/^db-1 holds transactions db-2 never had: .*error 1236/);
    const left = events.filter((e) => e.step === "leave");
    expect(left, lines).toHaveLength(1);
    expect(left[0]!.message).toMatch(/db-1 is left as it is, diverged from db-2, .*autoRebuild is off.*stacklab db rejoin db-1 --rebuild/);
    // ...after the divergence, and only once the controller judged db-1 from a look taken after the rejoin
    expect(events.indexOf(left[0]!)).toBeGreaterThan(events.indexOf(found[0]!));
    expect(agents.rebuilds).toBe(0);
    // `db status` shows it: the controller's state names the diverged replica, and the agent's look its IO error
    expect(state).toMatchObject({ primary: "db-2", phase: "watching", diverged: ["db-1"], rebuilding: [], autoRebuild: false });
  });

  it.each(timings.filter((_, i) => i % 3 === 0))(
    "found by its agent's follow (ahead of a primary that wrote nothing since), is recorded once and left once (answers after $latencyMs ms, follow $followMs ms)",
    async ({ latencyMs, followMs }) => {
      const agents = new Agents(latencyMs, followMs);
      agents.byCheck = true;
      const { events, state } = await watch(agents, 5000);
      const lines = events.map((e) => `${e.step}: ${e.message}`).join("\n");
      expect(agents.follows, lines).toBe(1);
      const found = events.filter((e) => e.data?.outcome === "diverged");
      expect(found, lines).toHaveLength(1);
      expect(found[0]!.message).toBe(`db-1 holds transactions db-2 never had: ${AHEAD}`);
      expect(
        events.filter((e) => e.step === "leave"),
        lines,
      ).toHaveLength(1);
      expect(state).toMatchObject({ primary: "db-2", diverged: ["db-1"], rebuilding: [] });
    },
  );

  it("found by the watch when the rejoin stopped watching before its IO thread stopped, is recorded once and left without waiting out the rejoin's 30 s block", async () => {
    const agents = new Agents(30, 220);
    agents.slowTls = 500;
    const { events } = await watch(agents, 3000);
    const lines = events.map((e) => `${e.step}: ${e.message}`).join("\n");
    expect(
      events.filter((e) => e.data?.outcome === "diverged"),
      lines,
    ).toHaveLength(1);
    expect(
      events.filter((e) => e.step === "leave"),
      lines,
    ).toHaveLength(1);
    expect(agents.follows).toBe(1);
  });

  it("found by the watch after the rejoin stopped watching, is recorded once too, and the next leader learns it was", async () => {
    const { events, published } = await watch(new Agents(30, 220).diverged(), 3000);
    expect(events.filter((e) => e.data?.outcome === "diverged").map((e) => e.step)).toEqual(["repoint"]);
    expect(events.filter((e) => e.step === "leave")).toHaveLength(1);
    expect(published).toMatchObject({ primary: "db-2", diverged: ["db-1"], left: ["db-1"] });
  });

  it("is not recorded again by a leader elected after the last one recorded it", async () => {
    const { events, state } = await watch(new Agents(30, 220).diverged(), 3000, false, { primary: "db-2", known: ["db-1", "db-2"], diverged: ["db-1"], left: ["db-1"] });
    expect(events.map((e) => e.step)).not.toContain("repoint");
    expect(events.map((e) => e.step)).not.toContain("leave");
    expect(state.diverged).toEqual(["db-1"]);
  });

  it("is rebuilt instead when autoRebuild is on, and never said to be left", async () => {
    const agents = new Agents(30, 220);
    const { events } = await watch(agents, 2000, true);
    expect(agents.rebuilds).toBeGreaterThan(0);
    expect(events.filter((e) => e.data?.outcome === "diverged")).toHaveLength(1);
    expect(events.some((e) => e.step === "leave")).toBe(false);
  });
});

describe("a rejoin its agent refuses because another action is running", () => {
  it("is asked again within seconds, not after the 30 s a failed rejoin waits (the tier had no replica for 30 s after a partition healed)", async () => {
    const agents = new Agents(30, 100);
    agents.busy = 1;
    const { events } = await watch(agents, 4000);
    const lines = events.map((e) => `${e.step}: ${e.message}`).join("\n");
    expect(agents.follows, lines).toBe(2);
    expect(
      events.filter((e) => e.step === "repoint").map((e) => e.data?.outcome),
      lines,
    ).toEqual(["busy", "streaming"]);
  });

  it("still waits 30 s after a rejoin that failed otherwise", async () => {
    const agents = new Agents(30, 100);
    agents.busy = 1;
    const real = agents.follow.bind(agents);
    agents.follow = async (host, primary) => {
      if (agents.follows === 0) {
        agents.follows++;
        agents.busy = 0;
        throw new Error("connect ECONNREFUSED");
      }
      return real(host, primary);
    };
    const { events } = await watch(agents, 4000);
    expect(agents.follows).toBe(1);
    expect(events.filter((e) => e.step === "repoint").map((e) => e.data?.outcome)).toEqual(["error"]);
  });
});

describe("a bring-up whose primary fenced itself for its lease before the controller first watched", () => {
  /** db-1 up, read-only, fenced by its own agent (the lease); db-2 not set up yet (follows nobody); nobody holds the key. */
  class Starting implements AgentClient {
    readonly looks: Record<string, AgentStatus> = {
      "db-1": { ...status("db-1", obs({ readOnly: true })), selfFenced: { at: 0, reason: "it does not hold the primary lease in etcd any more" } },
      "db-2": status("db-2", obs({ readOnly: true })),
    };
    promoted: string[] = [];
    status(host: string): Promise<AgentStatus> {
      return new Promise((r) => setTimeout(() => r(structuredClone(this.looks[host]!)), 20));
    }
    promote(host: string): Promise<{ host: string; gtid: string; applyMs: number; ms: number }> {
      this.promoted.push(host);
      this.looks[host] = status(host, obs());
      return Promise.resolve({ host, gtid: "0-1-100", applyMs: 0, ms: 1 });
    }
    follow(host: string, primary: string): Promise<FollowResult> {
      this.looks[host] = status(host, obs({ replicaOf: primary }));
      return Promise.resolve({ host, primary, outcome: "streaming", detail: "", gtid: "0-1-100", ms: 1 });
    }
    rebuild(): never {
      throw new Error("rebuild: not expected");
    }
    fence(): never {
      throw new Error("fence: not expected");
    }
    waitApplied(): never {
      throw new Error("waitApplied: not expected");
    }
  }

  it("gives it writes back within seconds, not after the 60 s grace for a primary still being set up", async () => {
    const agents = new Starting();
    const cfg = controllerConfig(dir());
    const events: { step: string; message: string }[] = [];
    const c = new Controller(
      cfg,
      agents,
      (step, message) => events.push({ step, message }),
      () => undefined,
      () => true,
      () => undefined,
      () => Promise.resolve(false),
      () => Promise.resolve(null),
    );
    c.start();
    await vi.advanceTimersByTimeAsync(3000);
    c.stop();
    await vi.advanceTimersByTimeAsync(1000);
    const lines = events.map((e) => `${e.step}: ${e.message}`).join("\n");
    expect(agents.promoted, lines).toEqual(["db-1"]);
    expect(events.find((e) => e.step === "unfence")?.message, lines).toMatch(/^db-1 takes writes again .*fenced itself/);
    expect(c.state().primary).toBe("db-1");
  });
});
