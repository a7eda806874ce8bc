// The leader's first steps after its own promotion, on a virtual clock: an agent's status is its last look, so a
// poll asked before the promotion ended answers with the new primary still a read-only replica. The controller must
// judge the new primary only from a look started after the promotion, not log a refusal that never happened.
import { describe, expect, it, vi } from "vitest";
import { Controller } from "../../src/failover/controller/controller.js";
import { monoNow } from "../../src/failover/clock.js";
import type { AgentClient, AgentStatus, FenceResult, PromoteResult } from "../../src/failover/types.js";
import { controllerConfig, obs, probe, status, virtualClockAndFolder } from "./failover-helpers.js";

/** db-1 the primary, db-2 its semi-synchronous replica. A status answers `latencyMs` after it was asked, with the look its agent had when asked. */
class Agents implements AgentClient {
  readonly dead = new Set<string>();
  readonly looks: Record<string, AgentStatus> = {
    "db-1": status("db-1", obs()),
    "db-2": status("db-2", obs({ replicaOf: "db-1" })),
  };
  promotions = 0;
  constructor(
    private readonly latencyMs: number,
    private readonly promoteMs: number,
  ) {}

  status(host: string): Promise<AgentStatus> {
    const look = structuredClone(this.looks[host]!);
    look.db.at = monoNow();
    look.now = monoNow();
    const dead = this.dead.has(host);
    return new Promise((resolve, reject) => setTimeout(() => (dead ? reject(new Error("no answer")) : resolve(look)), this.latencyMs));
  }

  /** db-1 dies: its agent stops answering, and db-2's pings of it fail. */
  kill(): void {
    this.dead.add("db-1");
    const db = obs({ replicaOf: "db-1", io: "Connecting" });
    this.looks["db-2"] = status("db-2", db, probe("db-1", 5));
  }

  fence(): Promise<FenceResult> {
    return Promise.reject(new Error("no answer"));
  }

  async promote(host: string): Promise<PromoteResult> {
    this.promotions++;
    await new Promise((r) => setTimeout(r, this.promoteMs));
    this.looks[host] = status(host, obs());
    return { host, gtid: "0-1-100", applyMs: 0, ms: this.promoteMs };
  }

  follow(): never {
    throw new Error("follow: not expected");
  }
  rebuild(): never {
    throw new Error("rebuild: not expected");
  }
  waitApplied(): never {
    throw new Error("waitApplied: not expected");
  }
}

const dir = virtualClockAndFolder("stacklab-after-promotion-");

function controller(agents: Agents): { c: Controller; events: { step: string; message: string }[] } {
  const cfg = controllerConfig(dir());
  const events: { step: string; message: string }[] = [];
  const c = new Controller(
    cfg,
    agents,
    (step, message) => events.push({ step, message }),
    () => undefined,
  );
  return { c, events };
}

describe("the leader's steps right after it promoted a replica", () => {
  // Answer delays and promotion durations around the controller's step (100 ms) and poll (200 ms): a poll asked
  // before the promotion ended is answered after it at several points of the step cycle.
  const timings = [30, 90, 150, 250].flatMap((latencyMs) => [10, 60, 130, 270].map((promoteMs) => ({ latencyMs, promoteMs })));

  it.each(timings)("judge the new primary from a look taken after the promotion: no refusal (answers after $latencyMs ms, promotion $promoteMs ms)", async ({ latencyMs, promoteMs }) => {
    const agents = new Agents(latencyMs, promoteMs);
    const { c, events } = controller(agents);
    c.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(c.state()).toMatchObject({ phase: "watching", primary: "db-1", lastSync: { primary: "db-1", replicas: ["db-2"] } });
    agents.kill();
    await vi.advanceTimersByTimeAsync(5000);
    const state = c.state();
    c.stop();
    await vi.advanceTimersByTimeAsync(1000);
    const lines = events.map((e) => `${e.step}: ${e.message}`).join("\n");
    expect(agents.promotions, lines).toBe(1);
    expect(
      events.filter((e) => e.step === "done"),
      lines,
    ).toHaveLength(1);
    expect(
      events.filter((e) => e.step === "refuse" || e.step === "recovered"),
      lines,
    ).toEqual([]);
    expect(state, lines).toMatchObject({ primary: "db-2", phase: "watching", refused: null });
  });
});
