// A standby controller's view, on a virtual clock: when the primary changed while it stood by and then died with
// the leader's host, the standby that takes the lead must judge the primary the last leader published from what
// it saw itself (the last semi-sync mark), not refuse for want of one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Controller } from "../../src/failover/controller/controller.js";
import type { ControllerConfig } from "../../src/render/config/failover.js";
import type { AgentClient, AgentStatus } from "../../src/failover/types.js";
import { ADDR, obs, status } from "./failover-helpers.js";

/** db-2 the primary (a failover ran before), db-1 its semi-synchronous replica; a dead host's agent does not answer. */
class Agents implements AgentClient {
  readonly dead = new Set<string>();
  readonly looks: Record<string, AgentStatus> = {
    "db-1": status("db-1", obs({ replicaOf: "db-2" })),
    "db-2": status("db-2", obs()),
  };
  status(host: string): Promise<AgentStatus> {
    const look = structuredClone(this.looks[host]!);
    return new Promise((resolve, reject) => setTimeout(() => (this.dead.has(host) ? reject(new Error("no answer")) : resolve(look)), 20));
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

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "stacklab-standby-"));
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "hrtime", "performance", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe("a standby controller elected after the primary changed while it stood by", () => {
  it("judges the published primary in sync from the mark it took while standing by, and acts only once it took over", async () => {
    const agents = new Agents();
    const cfg: ControllerConfig = {
      host: "lb-1",
      // the spec's primary: this controller never led, so it still believes db-1 is the primary
      primary: "db-1",
      dbHosts: ["db-1", "db-2"].map((name) => ({ name, address: ADDR[name]! })),
      replication: "semisync",
      apiPort: 0,
      apiSocket: join(dir, "api.sock"),
      agentApiPort: 0,
      ca: null,
      token: "t",
      proxies: {},
      stateFile: join(dir, "state.json"),
      metricsFile: null,
      semisyncTimeoutMs: 3000,
      autoRebuild: true,
      etcd: null,
    };
    let leading = false;
    const events: string[] = [];
    const c = new Controller(
      cfg,
      agents,
      (step, message) => events.push(`${step}: ${message}`),
      () => undefined,
      () => leading,
    );
    c.start();
    await vi.advanceTimersByTimeAsync(1000);
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
});
