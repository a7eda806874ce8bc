// The dashboard's bars: a sized host's CPU share between two looks, its memory, only for sized hosts.
import { describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/build.js";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { cpuShare, UsageSampler } from "../../src/dashboard/usage.js";
import type { HostUsage } from "../../src/runtime/cgroups.js";

describe("the dashboard's size bars", () => {
  it("turn two readings of CPU time into a share of the size", () => {
    const u = (cpuSeconds: number): HostUsage => ({ cpuSeconds, memoryBytes: 0, oomKills: 0 });
    expect(cpuShare(u(10), u(10.25), 1, 0.5)).toBeCloseTo(0.5, 12);
    expect(cpuShare(undefined, u(1), 1, 0.5)).toBeNull();
    expect(cpuShare(u(1), u(1), 0, 0.5)).toBeNull();
    // A counter that went back (a recreated cgroup) is no negative use; an overrun is capped.
    expect(cpuShare(u(5), u(1), 1, 0.5)).toBe(0);
    expect(cpuShare(u(0), u(10), 1, 0.5)).toBe(1.5);
  });

  it("sample the sized hosts only, the first look without a CPU share", () => {
    const base = loadBlueprint("0");
    const model = buildModel({ ...base, servers: base.servers.map((g) => ({ ...g, size: { cpu: 0.5, memory: "384Mi" } })) });
    let t = 0;
    let cpu = 0;
    const reads: string[] = [];
    const s = new UsageSampler(
      "lab",
      (_lab, host) => (reads.push(host), { cpuSeconds: cpu, memoryBytes: 100 * 1024 ** 2, oomKills: 1 }),
      () => t,
    );
    const first = s.sample(model);
    expect([...first.keys()]).toEqual(["server-1"]);
    expect(first.get("server-1")).toEqual({ cpu: 0.5, cpuUse: null, memoryBytes: 384 * 1024 ** 2, memoryUsed: 100 * 1024 ** 2, oomKills: 1 });
    t = 2000;
    cpu = 0.5;
    expect(s.sample(model).get("server-1")!.cpuUse).toBeCloseTo(0.5, 12);
    expect(reads).toEqual(["server-1", "server-1"]);
  });
});
