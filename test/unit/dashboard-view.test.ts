// The dashboard's live picture without a lab: host colours and the headline from probes, faults and live
// roles; the changes it reports between two looks; the layout of the topology; the probe script run by sh.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel, type Model } from "../../src/model/index.js";
import type { ActiveFault } from "../../src/runtime/faults/index.js";
import type { LabAlert } from "../../src/monitoring/types.js";
import { parseProbeOutput, probeScript, type HostProbe } from "../../src/dashboard/health.js";
import { buildStateView, type RolesInput } from "../../src/dashboard/view.js";
import { topology } from "../../src/dashboard/topology.js";
import { alertViews, ChangeObserver, mergeEvents } from "../../src/dashboard/events.js";

const d3 = buildModel(loadBlueprint("3"));
const d2 = buildModel(loadBlueprint("2"));
const VIP = d3.entryPoints[0]!.address;

function probes(model: Model, down: string[] = [], failing: Record<string, string> = {}): HostProbe[] {
  return model.hosts.map((h) => ({
    host: h.name,
    up: !down.includes(h.name),
    services: model.services.filter((s) => s.host === h.name).map((s) => ({ kind: s.kind, health: down.includes(h.name) ? "down" : failing[h.name] === s.kind ? "failing" : "ok", detail: "" })),
  }));
}

function view(model: Model, opts: { down?: string[]; failing?: Record<string, string>; faults?: ActiveFault[]; roles?: Partial<RolesInput>; now?: number } = {}) {
  const roles: RolesInput = { holders: model === d3 ? { [VIP]: "lb-1" } : {}, writable: [model.database.primary!], primary: model.database.primary, ...opts.roles };
  return buildStateView({ lab: "t", model, faults: opts.faults ?? [], probes: probes(model, opts.down, opts.failing), roles, entry: topology(model).entry, now: opts.now ?? 1000 });
}

describe("buildStateView", () => {
  it("shows a healthy design 3 as all green, the VIP on lb-1 and db-1 primary", () => {
    const v = view(d3);
    expect(v.headline).toEqual({ level: "ok", text: "All healthy", problems: [] });
    expect(v.hosts.every((h) => h.health === "ok")).toBe(true);
    expect(v.entry).toMatchObject({ address: VIP, holder: "lb-1", moved: false });
    expect(v.hosts.find((h) => h.name === "lb-1")!.holds).toEqual([VIP]);
    expect(v.hosts.filter((h) => h.db).map((h) => [h.name, h.db])).toEqual([
      ["db-1", "primary"],
      ["db-2", "replica"],
    ]);
  });

  it("turns a crashed lb-1 red and, with the VIP on lb-2, says the site still serves", () => {
    const faults: ActiveFault[] = [{ id: "f1", kind: "down", how: "kill", host: "lb-1", at: 1 }];
    const v = view(d3, { down: ["lb-1"], faults, roles: { holders: { [VIP]: "lb-2" } } });
    const lb1 = v.hosts.find((h) => h.name === "lb-1")!;
    expect(lb1.health).toBe("down");
    expect(lb1.faults).toEqual(["crashed"]);
    expect(lb1.services.every((s) => s.health === "down")).toBe(true);
    expect(v.entry).toMatchObject({ holder: "lb-2", moved: true });
    expect(v.headline.level).toBe("warn");
    expect(v.headline.problems).toEqual(["lb-1 down", `${VIP} moved to lb-2`]);
  });

  it("says users are affected when design 2's only load balancer is down", () => {
    const v = view(d2, { down: ["lb-1"] });
    expect(v.entry).toMatchObject({ kind: "host", holder: null });
    expect(v.headline.level).toBe("bad");
    expect(v.headline.text).toBe("Users affected: lb-1 is down: the site is unreachable");
  });

  it("reports no writable database, and a promoted replica, in the headline", () => {
    expect(view(d3, { down: ["db-1"], roles: { writable: [], primary: null } }).headline.problems[0]).toBe("no database accepts writes");
    const promoted = view(d3, { down: ["db-1"], roles: { writable: ["db-2"], primary: "db-2" } });
    expect(promoted.headline.level).toBe("warn");
    expect(promoted.headline.problems).toContain("db-2 is the database primary now");
    expect(promoted.hosts.find((h) => h.name === "db-1")!.db).toBe("down");
    expect(promoted.hosts.find((h) => h.name === "db-2")!.db).toBe("primary");
  });

  it("colours paused, slowed and partially failing hosts amber with the reason", () => {
    const faults: ActiveFault[] = [
      { id: "a", kind: "pause", host: "web-2", at: 1 },
      { id: "b", kind: "netem", host: "app-1", links: ["eth0"], via: "tc", delayMs: 200, jitterMs: 20, lossPct: 0, at: 1 },
    ];
    const v = view(d3, { faults, failing: { "web-1": "nginx" } });
    const by = (n: string) => v.hosts.find((h) => h.name === n)!;
    expect([by("web-2").health, by("app-1").health, by("web-1").health]).toEqual(["paused", "degraded", "degraded"]);
    expect(v.headline.problems).toEqual(["web-1: nginx failing", "web-2 paused", "app-1: 200 ms delay"]);
  });
});

describe("ChangeObserver", () => {
  it("reports nothing on the first look, then the host going down and the floating IP moving", () => {
    const o = new ChangeObserver();
    expect(o.observeState(view(d3, { now: 1 }))).toEqual([]);
    const events = o.observeState(view(d3, { down: ["lb-1"], roles: { holders: { [VIP]: "lb-2" } }, now: 2 }));
    expect(events.map((e) => [e.kind, e.message])).toEqual([
      ["health", "lb-1 is down"],
      ["failover", `floating IP ${VIP} moved from lb-1 to lb-2`],
    ]);
    expect(o.observeState(view(d3, { now: 3 })).map((e) => e.message)).toEqual(["lb-1 is up again", `floating IP ${VIP} moved from lb-2 to lb-1`]);
    expect(o.seen).toHaveLength(4);
  });

  it("names both holders when the floating IP moves through a moment with nobody holding it", () => {
    const o = new ChangeObserver();
    o.observeState(view(d3));
    expect(o.observeState(view(d3, { down: ["lb-1"], roles: { holders: {} } })).map((e) => e.message)).toContain(`nobody holds ${VIP} any more`);
    expect(o.observeState(view(d3, { down: ["lb-1"], roles: { holders: { [VIP]: "lb-2" } } })).map((e) => e.message)).toEqual([`floating IP ${VIP} moved from lb-1 to lb-2`]);
  });

  it("names the old primary when a replica is promoted after a gap with no primary", () => {
    const o = new ChangeObserver();
    o.observeState(view(d3));
    expect(o.observeState(view(d3, { down: ["db-1"], roles: { writable: [], primary: null } })).map((e) => e.message)).toContain("no database accepts writes");
    expect(o.observeState(view(d3, { down: ["db-1"], roles: { writable: ["db-2"], primary: "db-2" } })).map((e) => e.message)).toEqual(["db-2 is the database primary (was db-1)"]);
  });

  it("reports a new database primary", () => {
    const o = new ChangeObserver();
    o.observeState(view(d3));
    const [e] = o.observeState(view(d3, { down: ["db-1"], roles: { writable: ["db-2"], primary: "db-2" } })).filter((x) => x.kind === "failover");
    expect(e!.message).toBe("db-2 is the database primary (was db-1)");
  });

  it("logs an alert when it fires and when it clears, not while it stays", () => {
    const alert: LabAlert = {
      name: "HostDown",
      state: "firing",
      severity: "critical",
      summary: "host lb-1 is down",
      description: "",
      labels: { alertname: "HostDown", instance: "lb-1" },
      activeAt: "2026-01-01T00:00:00Z",
      value: 0,
    };
    const o = new ChangeObserver();
    expect(o.observeAlerts([alert], 5).map((e) => [e.time, e.message])).toEqual([[Date.parse(alert.activeAt), "HostDown firing: host lb-1 is down"]]);
    expect(o.observeAlerts([alert], 6)).toEqual([]);
    expect(o.observeAlerts([], 7).map((e) => [e.time, e.message])).toEqual([[7, "HostDown cleared (it said: host lb-1 is down)"]]);
    expect(o.observeAlerts([{ ...alert, state: "pending" }], 8)).toEqual([]);
  });

  it("merges recorded and seen events newest first, and lists firing alerts before pending ones", () => {
    const merged = mergeEvents(
      [
        { time: 1, kind: "fault", message: "a" },
        { time: 3, kind: "heal", message: "c" },
      ],
      [{ time: 2, kind: "alert", message: "b" }],
      0,
      2,
    );
    expect(merged.map((e) => e.message)).toEqual(["c", "b"]);
    const base = { severity: "", summary: "", description: "", labels: {}, value: 0 };
    const views = alertViews([
      { ...base, name: "P", state: "pending", activeAt: "2026-01-01T00:00:00Z" },
      { ...base, name: "F", state: "firing", activeAt: "2026-01-01T00:00:05Z" },
    ]);
    expect(views.map((a) => a.name)).toEqual(["F", "P"]);
  });
});

describe("topology", () => {
  it("lays design 3 out in the order a request travels, with replication from the primary only", () => {
    const t = topology(d3);
    expect(t.columns).toEqual(["users", "load balancers", "web", "app", "database", "monitoring"]);
    expect(t.hosts.filter((h) => h.column === 1).map((h) => [h.name, h.row])).toEqual([
      ["lb-1", 0],
      ["lb-2", 1],
    ]);
    expect(t.links.filter((l) => l.kind === "replication")).toEqual([{ from: "db-1", to: "db-2", label: "replication", kind: "replication" }]);
    // a controller beside each etcd member (lb-1, lb-2, mon-1), each reaching both agents
    expect(t.links.filter((l) => l.kind === "control").map((l) => `${l.from}>${l.to}`)).toEqual(["lb-1>db-1", "lb-1>db-2", "lb-2>db-1", "lb-2>db-2", "mon-1>db-1", "mon-1>db-2"]);
    expect(t.entry).toEqual({ fqdn: "www.foobar.com", address: VIP, kind: "floating", holders: ["lb-1", "lb-2"] });
  });

  it("puts design 2's all-in-one servers in one column, replicating to each other", () => {
    const t = topology(d2);
    expect(t.columns).toEqual(["users", "load balancers", "web + app + database", "monitoring"]);
    expect(t.links.filter((l) => l.kind === "replication").map((l) => `${l.from}>${l.to}`)).toEqual(["server-1>server-2"]);
    expect(t.entry).toMatchObject({ kind: "host", holders: ["lb-1"] });
  });
});

describe("probe script", () => {
  it("runs every probe under sh, quoting arguments, and reports each exit code", () => {
    const script = probeScript(
      [
        { kind: "ok", argv: ["true"] },
        { kind: "quoted", argv: ["sh", "-c", 'test "$0" = "it\'s here"', "it's here"] },
        { kind: "failing", argv: ["sh", "-c", "exit 3"] },
        { kind: "slow", argv: ["sleep", "5"] },
      ],
      1,
    );
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: 10_000 });
    expect(Object.fromEntries(parseProbeOutput(r.stdout))).toEqual({ ok: 0, quoted: 0, failing: 3, slow: 124 });
  });
});
