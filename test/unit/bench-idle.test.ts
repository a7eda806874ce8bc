// The idle-CPU breakdown of the bench: which program a process is, and CPU per program over a window.
import { describe, expect, it } from "vitest";
import { cpuByProgram, programName, type ProcessTime } from "../../src/bench/footprint.js";
import { issueGoals } from "../../src/bench/issue-goals.js";
import { servingSection } from "../../src/bench/sections.js";
import { cpuPerRequest } from "../../src/bench/serving.js";

describe("programName", () => {
  it("names stacklab's Node programs by their role and others by their command", () => {
    expect(programName("node", ["/usr/bin/node", "--max-old-space-size=32", "/opt/s/dist/failover/agent/main.js", "--config", "x"])).toBe("failover agent (node)");
    expect(programName("node", ["/usr/bin/node", "/opt/s/dist/failover/controller/main.js"])).toBe("failover controller (node)");
    expect(programName("node", ["/usr/bin/node", "/opt/s/dist/app/runner/main.js", "--env", "/etc/stacklab/app.env"])).toBe("app server runner (node)");
    expect(programName("node", ["/usr/bin/node", "/opt/s/dist/app/foobar/worker-main.js"])).toBe("app worker (node)");
    expect(programName("node", ["/usr/bin/node", "/srv/custom/server.js"])).toBe("node custom/server.js");
    expect(programName("node", ["/usr/bin/node"])).toBe("node");
    expect(programName("etcd", ["etcd", "--name=lb-1"])).toBe("etcd");
    // the kernel cuts command names at 15 characters
    expect(programName("prometheus-mysq", ["/usr/bin/prometheus-mysqld-exporter", "--config.my-cnf=x"])).toBe("prometheus-mysqld-exporter");
    expect(programName("nginx", ["nginx: worker process", ""])).toBe("nginx");
  });
});

describe("cpuByProgram", () => {
  const t = (ticks: number, program: string): ProcessTime => ({ ticks, program });

  it("sums the ticks of each program's processes alive at both ends, in cores, busiest first", () => {
    const before = new Map([
      [1, t(100, "etcd")],
      [2, t(50, "etcd")],
      [3, t(0, "haproxy")],
      [4, t(10, "gone")],
      [6, t(5, "nginx")],
    ]);
    const after = new Map([
      [1, t(130, "etcd")], // 30 ticks
      [2, t(80, "etcd")], // 30 ticks
      [3, t(15, "haproxy")], // 15 ticks
      [5, t(999, "new")], // started in the window: left out
      [6, t(5, "nginx")], // idle
    ]);
    // 10 s at 100 ticks a second: 60 ticks are 0.06 cores
    expect(cpuByProgram(before, after, 10)).toEqual([
      { program: "etcd", processes: 2, cores: 0.06 },
      { program: "haproxy", processes: 1, cores: 0.015 },
      { program: "nginx", processes: 1, cores: 0 },
    ]);
  });

  it("leaves out a PID reused by another program in the window", () => {
    expect(cpuByProgram(new Map([[7, t(10, "sleep")]]), new Map([[7, t(500, "mariadbd")]]), 1)).toEqual([]);
  });

  it("names the busiest programs beside the idle goal", () => {
    const [, , idle] = issueGoals({
      lifecycle: null,
      serving: null,
      references: null,
      footprint: {
        design: "3-scale_up",
        samples: [],
        idle: { seconds: 30, cores: 0.2, hosts: [{ host: "db-1", cores: 0.08 }], byProgram: [{ program: "etcd", processes: 3, cores: 0.1 }] },
      },
    });
    expect(idle!.reference).toBe("busiest hosts: db-1 8.0%; busiest programs: etcd ×3 10.0%");
    expect(idle!.met).toBe(false);
  });
});

describe("cpuPerRequest", () => {
  it("divides each host's CPU seconds over a run, less its rest, by the answers, in ms, leaving out hosts that spent nothing", () => {
    const before = new Map([
      ["user", 10],
      ["lb-1", 5],
      ["web-1", 1],
      ["dns", 2],
    ]);
    const after = new Map([
      ["user", 12], // 2 s for 10 000 answers: 0.2 ms each
      ["lb-1", 6.5],
      ["web-1", 1],
      ["dns", 2.000001],
    ]);
    expect(cpuPerRequest(before, after, 10_000, 10)).toEqual({ user: 0.2, "lb-1": 0.15 });
    expect(cpuPerRequest(before, after, 0, 10)).toEqual({});
    // lb-1 burns 0.05 cores at rest: 0.5 s of its 1.5 s over 10 s are not the requests'
    expect(
      cpuPerRequest(
        before,
        after,
        10_000,
        10,
        new Map([
          ["lb-1", 0.05],
          ["user", 0.3],
        ]),
      ),
    ).toEqual({ "lb-1": 0.1 });
  });
});

describe("the serving section's CPU per request", () => {
  it("shows each host's cost per answer for the dynamic targets and the ratio those costs allow", () => {
    const sum = (v: number) => ({ median: v, min: v, max: v, values: [v] });
    const target = (id: "path-dynamic" | "app-direct", label: string, cpu: Record<string, number>) => ({
      id,
      label,
      from: "user",
      url: "http://x",
      rps: sum(100),
      p50: sum(1),
      p90: sum(2),
      p99: sum(3),
      maxMs: sum(4),
      requests: 1000,
      errors: 0,
      errorKinds: {},
      failures: [],
      cpuMsPerRequest: Object.fromEntries(Object.entries(cpu).map(([h, v]) => [h, sum(v)])),
    });
    const text = servingSection({
      load: "wrk",
      runs: 1,
      targets: [target("path-dynamic", "whole path", { user: 0.1, "lb-1": 0.3, "app-1": 0.4, "db-1": 0.2 }), target("app-direct", "app alone", { "app-1": 0.4, "db-1": 0.2 })],
      ratios: [],
      costRatios: [{ label: "dynamic page: CPU per request of the app server alone / of the whole path", value: 0.6 / 1.0 }],
    });
    expect(text).toMatch(/\| lb-1 +\| +0\.300 \| +– \|/);
    expect(text).toMatch(/\| \*\*all hosts\*\* \| +\*\*1\.000\*\* \| +\*\*0\.600\*\* \|/);
    expect(text).toContain("of the whole path: **0.60×**");
  });
});
