// The idle-CPU breakdown of the bench: which program a process is, and CPU per program over a window.
import { describe, expect, it } from "vitest";
import { cpuByProgram, programName, type ProcessTime } from "../../src/bench/footprint.js";
import { issueGoals } from "../../src/bench/issue-goals.js";

describe("programName", () => {
  it("names stacklab's Node programs by their role and others by their command", () => {
    expect(programName("node", ["/usr/bin/node", "--max-old-space-size=32", "/opt/s/dist/failover/agent/main.js", "--config", "x"])).toBe("failover agent (node)");
    expect(programName("node", ["/usr/bin/node", "/opt/s/dist/failover/controller/main.js"])).toBe("failover controller (node)");
    expect(programName("node", ["/usr/bin/node", "/opt/s/dist/app/runner/main.js", "--env", "/etc/stacklab/app.env"])).toBe("app server runner (node)");
    expect(programName("node", ["/usr/bin/node", "/opt/s/dist/app/foobar/worker-main.js"])).toBe("app worker (node)");
    expect(programName("node", ["/usr/bin/node", "/srv/custom/server.js"])).toBe("node custom/server.js");
    expect(programName("node", ["/usr/bin/node"])).toBe("node");
    expect(programName("etcd", ["etcd", "--name=lb-1"])).toBe("etcd");
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
