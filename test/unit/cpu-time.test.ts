// CPU time of stacklab's own process and the commands it waited for, read from /proc/self/stat.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ownCpuMs } from "../../src/util/cpu-time.js";

describe("own CPU time", () => {
  it("adds utime, stime, cutime and cstime (fields 14-17), past a command name with spaces and parentheses", () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const stat = "4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 30 12 8 20 0 11 0 500";
    expect(ownCpuMs(stat)).toBe((150 + 30 + 12 + 8) * 10);
  });

  it("counts a child's CPU once the child was waited for", () => {
    const before = ownCpuMs();
    // About 0.2 s of CPU in a child process (a busy loop), run to its end.
    spawnSync(process.execPath, ["-e", "const t = process.cpuUsage(); while (process.cpuUsage(t).user < 200000);"]);
    expect(ownCpuMs() - before).toBeGreaterThanOrEqual(150);
  });
});
