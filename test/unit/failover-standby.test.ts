// A standby controller's view, on a virtual clock: when the primary changed while it stood by and then died with
// the leader's host, the standby that takes the lead must judge the primary the last leader published from what
// it saw itself (the last semi-sync mark), not refuse for want of one.
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { Controller } from "../../src/failover/controller/controller.js";
import type { AgentClient, AgentStatus } from "../../src/failover/types.js";
import { controllerConfig, obs, status, virtualClockAndFolder } from "./failover-helpers.js";

/** db-2 the primary (a failover ran before), db-1 its semi-synchronous replica; a dead host's agent does not answer. */
class Agents implements AgentClient {
  readonly dead = new Set<string>();
  /** Every status asked, by host: the virtual time it was asked at. */
  readonly asked: Record<string, number[]> = { "db-1": [], "db-2": [] };
  readonly looks: Record<string, AgentStatus> = {
    "db-1": status("db-1", obs({ replicaOf: "db-2" })),
    "db-2": status("db-2", obs()),
  };
  /** How long a host's first status takes to answer (then 20 ms): shifts when its agent is asked against the other's. */
  readonly firstAnswerMs: Record<string, number> = {};
  status(host: string): Promise<AgentStatus> {
    const delay = this.asked[host]!.length === 0 ? (this.firstAnswerMs[host] ?? 20) : 20;
    this.asked[host]!.push(Date.now());
    const look = structuredClone(this.looks[host]!);
    return new Promise((resolve, reject) => setTimeout(() => (this.dead.has(host) ? reject(new Error("no answer")) : resolve(look)), delay));
  }
  fence(): never {
    throw new Error("fence: not expected");
  }
  promote(): never {
    throw new Error("promote: not expected");
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

const dir = virtualClockAndFolder("stacklab-standby-");

/** A controller on lb-1 that leads while `leading()` says so; the events it records. */
function controller(agents: Agents, leading: () => boolean): { c: Controller; events: string[] } {
  // the spec's primary: this controller never led, so it still believes db-1 is the primary
  const cfg = controllerConfig(dir(), { host: "lb-1", stateFile: join(dir(), "state.json") });
  const events: string[] = [];
  const c = new Controller(
    cfg,
    agents,
    (step, message) => events.push(`${step}: ${message}`),
    () => undefined,
    leading,
  );
  return { c, events };
}

describe("a standby controller elected after the primary changed while it stood by", () => {
  it("judges the published primary in sync from the mark it took while standing by, and acts only once it took over", async () => {
    const agents = new Agents();
    // db-1's agent is asked about 0.9 s after db-2's from then on: a standby's look at it is that old when db-2 answers
    agents.firstAnswerMs["db-1"] = 1100;
    let leading = false;
    const { c, events } = controller(agents, () => leading);
    c.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(c.state()).toMatchObject({ leading: false, phase: "standby", primary: "db-1" });
    // db-2 dies with the leader's host; this controller wins the key, but has not read the published primary yet
    agents.dead.add("db-2");
    await vi.advanceTimersByTimeAsync(300);
    leading = true;
    await vi.advanceTimersByTimeAsync(300);
    // it took no step on its own idea of the primary (db-1) meanwhile
    expect(events).toEqual([]);
    expect(c.state().phase).toBe("standby");
    c.takeOver({ primary: "db-2", known: ["db-1", "db-2"] });
    const s = c.state();
    c.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.primary).toBe("db-2");
    expect(s.lastSync).toMatchObject({ primary: "db-2", masterStatus: true, replicas: ["db-1"] });
    expect(s.ifPrimaryDied).toMatchObject({ candidate: "db-1", sync: { inSync: true } });
  });

  it("asks the agents less often while it stands by, all of them again at once when it takes over, and judges only from those looks", async () => {
    const agents = new Agents();
    let leading = false;
    const { c } = controller(agents, () => leading);
    c.start();
    await vi.advanceTimersByTimeAsync(5000);
    const standby = agents.asked["db-2"]!.length;
    // a standby's pace: once a second (the leader's: five times)
    expect(standby).toBeGreaterThanOrEqual(4);
    expect(standby).toBeLessThanOrEqual(6);
    leading = true;
    const tookOver = Date.now();
    c.takeOver({ primary: "db-2", known: ["db-1", "db-2"] });
    // asked again at once, not at the end of the standby's pause
    await vi.advanceTimersByTimeAsync(1);
    expect(agents.asked["db-1"]!.at(-1)).toBe(tookOver);
    expect(agents.asked["db-2"]!.at(-1)).toBe(tookOver);
    // no judgement before those answers (20 ms): still starting
    await vi.advanceTimersByTimeAsync(10);
    expect(c.state().phase).toBe("starting");
    await vi.advanceTimersByTimeAsync(200);
    expect(c.state().phase).toBe("watching");
    const before = agents.asked["db-2"]!.length;
    await vi.advanceTimersByTimeAsync(2000);
    // the leader's pace
    expect(agents.asked["db-2"]!.length - before).toBeGreaterThanOrEqual(9);
    c.stop();
    await vi.advanceTimersByTimeAsync(1000);
  });
});
