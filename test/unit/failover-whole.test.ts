// When is the database tier whole again: the judgement the lab tests wait on and the experiment runner times
// after a heal, on `db status` values made up here.
import { describe, expect, it } from "vitest";
import { healsItself, notWhole, type TierView } from "../../src/failover/whole.js";
import { buildModel } from "../../src/model/build.js";
import { loadBlueprint } from "../../src/blueprints/index.js";

type Server = TierView["servers"][number];

function server(host: string, over: Partial<Server["db"]> = {}, agent: Server["agent"] = { selfFenced: null }): Server {
  const replica = host === "db-1" ? null : { io: "Yes", sqlRunning: true, lastIoErrno: 0 };
  return {
    host,
    role: replica ? "replica" : "primary",
    db: { up: true, gtidBinlogPos: "0-1-10", gtidCurrentPos: "0-1-10", semisync: { masterStatus: true, masterClients: 1 }, replica, ...over },
    agent,
  };
}

/** db-1 primary, db-2 streaming in sync, the controller watching db-1, the proxy sending writes to it. */
function whole(): TierView {
  return {
    replication: "semisync",
    primary: "db-1",
    writable: ["db-1"],
    servers: [server("db-1"), server("db-2")],
    proxies: [{ host: "app-1", servers: [{ backend: "db_write", server: "db-1", status: "UP" }] }],
    controller: { phase: "watching", primary: "db-1" },
  };
}

describe("a whole database tier", () => {
  it("is one primary with every other server streaming from it, caught up and acknowledging, the controller and proxies agreeing", () => {
    expect(notWhole(whole(), { controller: true })).toBeNull();
    expect(notWhole(whole(), { primary: "db-1", controller: true })).toBeNull();
  });
  it("says what is still missing", () => {
    const t = whole();
    expect(notWhole(t, { primary: "db-2", controller: true })).toBe("the primary is db-1");
    expect(notWhole({ ...t, primary: null, writable: ["db-1", "db-2"] }, { controller: true })).toBe("the primary is none (writable: db-1, db-2)");
    expect(notWhole({ ...t, controller: { error: "no socket" } }, { controller: true })).toBe("the controller is unreachable");
    expect(notWhole({ ...t, controller: { error: "no socket" } }, { controller: false })).toBeNull();
    expect(notWhole({ ...t, controller: { phase: "promoting", primary: "db-1" } }, { controller: true })).toBe("the controller is promoting, primary db-1");
    expect(notWhole({ ...t, servers: [server("db-1"), { ...server("db-2", { up: false, replica: null }), role: "down" }] }, { controller: true })).toBe("db-2 is down");
    expect(notWhole({ ...t, servers: [server("db-1"), server("db-2", { replica: { io: "Connecting", sqlRunning: true, lastIoErrno: 2003 } })] }, { controller: true })).toBe(
      "db-2 does not stream (IO Connecting, error 2003)",
    );
    expect(notWhole({ ...t, servers: [server("db-1"), server("db-2", { gtidCurrentPos: "0-1-9" })] }, { controller: true })).toBe("db-2 applied 0-1-9, db-1 holds 0-1-10");
    expect(notWhole({ ...t, servers: [server("db-1", { semisync: { masterStatus: false, masterClients: 0 } }), server("db-2")] }, { controller: true })).toBe(
      "db-1's semi-sync is OFF with 0 replica(s) acknowledging",
    );
    expect(notWhole({ ...t, servers: [server("db-1", {}, { selfFenced: { reason: "lost its lease" } }), server("db-2")] }, { controller: true })).toBe("db-1 fenced itself");
    expect(notWhole({ ...t, proxies: [{ host: "app-1", servers: [{ backend: "db_write", server: "db-2", status: "UP" }] }] }, { controller: true })).toBe("the proxy on app-1 sends writes to db-2");
    expect(notWhole({ ...t, proxies: [{ host: "app-1", servers: { error: "host is down" } }] }, { controller: true })).toBe("proxy on app-1: host is down");
  });
  it("is watched after a heal only on designs that heal it themselves (replicas and a failover controller)", () => {
    expect(healsItself(buildModel(loadBlueprint("3")))).toBe(true);
    for (const d of ["0", "1", "2"]) expect(healsItself(buildModel(loadBlueprint(d)))).toBe(false);
  });
});
