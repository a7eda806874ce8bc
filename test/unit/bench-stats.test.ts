import { describe, expect, it } from "vitest";
import { growthVerdict, linearFit, ratio, summarize } from "../../src/bench/stats.js";
import { parseWrk, WRK_SCRIPT, wrkArgs } from "../../src/bench/wrk.js";
import { procField, sumProcesses } from "../../src/bench/footprint.js";
import { parseVersion, VERSION_PROBES } from "../../src/bench/machine.js";

describe("summarize", () => {
  it("gives the median of an odd number of runs, with min and max", () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, values: [5, 1, 3] });
  });
  it("averages the two middle runs of an even number", () => {
    expect(summarize([4, 1, 3, 10])!.median).toBe(3.5);
  });
  it("ignores runs that gave no number, and gives null when none did", () => {
    expect(summarize([Number.NaN, 2])!.values).toEqual([2]);
    expect(summarize([])).toBeNull();
  });
});

describe("linearFit", () => {
  it("finds slope and intercept of points on a line, with r² = 1", () => {
    const f = linearFit([
      { x: 10, y: 1500 },
      { x: 25, y: 3000 },
      { x: 50, y: 5500 },
    ])!;
    expect(f.slope).toBeCloseTo(100);
    expect(f.intercept).toBeCloseTo(500);
    expect(f.r2).toBeCloseTo(1);
    expect(f.verdict).toBe("close to linear");
  });
  it("calls quadratic growth faster than linear", () => {
    const f = linearFit([10, 25, 50].map((x) => ({ x, y: x * x })))!;
    expect(f.lastSlope).toBeGreaterThan(f.firstSlope * 2);
    expect(f.verdict).toBe("faster than linear");
  });
  it("needs two different sizes", () => {
    expect(linearFit([{ x: 10, y: 1 }])).toBeNull();
    expect(
      linearFit([
        { x: 10, y: 1 },
        { x: 10, y: 2 },
      ]),
    ).toBeNull();
  });
  it("judges growth by comparing the per-host cost of the largest labs with the smallest", () => {
    expect(growthVerdict(100, 120)).toBe("close to linear");
    expect(growthVerdict(100, 40)).toBe("slower than linear");
    expect(growthVerdict(0, 50)).toBe("faster than linear");
  });
  it("ratio refuses a missing figure or a zero divisor", () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(null, 4)).toBeNull();
    expect(ratio(1, 0)).toBeNull();
  });
});

describe("wrk", () => {
  const line = 'STACKLAB-WRK {"requests":5000,"duration_us":5000000,"connect":0,"read":2,"write":0,"status":3,"timeout":1,"p50":1200,"p90":4000,"p99":15000,"max":40000}';
  it("reads the hook's line: requests per second, errors, latencies in ms", () => {
    const r = parseWrk(`Running 5s test\n  1 threads and 20 connections\n${line}\nRequests/sec: 1000\n`);
    // 3 of the 5000 answers were errors (status): they are not throughput
    expect(r.rps).toBeCloseTo(999.4);
    expect(r.errors).toBe(6);
    expect(r.errorKinds).toEqual({ "read error": 2, "non-2xx/3xx answer": 3, timeout: 1 });
    expect(r.p50).toBe(1.2);
    expect(r.p99).toBe(15);
    expect(r.max).toBe(40);
  });
  it("fails clearly when wrk printed no result", () => {
    expect(() => parseWrk("unable to connect to www.foobar.com:https Connection refused\n")).toThrow(/no result: unable to connect/);
  });
  it("builds a bounded command line and its hook prints the line the parser reads", () => {
    expect(wrkArgs({ threads: 1, connections: 20, durationS: 5, timeoutS: 2 }, "https://www.foobar.com/x", "/tmp/s.lua")).toEqual([
      "wrk",
      "-t1",
      "-c20",
      "-d5s",
      "--timeout",
      "2s",
      "-s",
      "/tmp/s.lua",
      "https://www.foobar.com/x",
    ]);
    expect(WRK_SCRIPT).toContain("STACKLAB-WRK ");
    expect(() => wrkArgs({ threads: 1, connections: 1, durationS: 1, timeoutS: 1 }, "ftp://x/", "/s")).toThrow(/http/);
  });
});

describe("footprint and machine parsing", () => {
  it("reads kB fields of /proc files as bytes", () => {
    const rollup = "55f-7ff ---p 00000000 00:00 0  [rollup]\nRss:                1672 kB\nPss:                 172 kB\n";
    expect(procField(rollup, "Rss")).toBe(1672 * 1024);
    expect(procField(rollup, "Pss")).toBe(172 * 1024);
    expect(procField(rollup, "Swap")).toBeNull();
  });
  it("sums the processes of a host, skipping those gone meanwhile", () => {
    const mem: Record<number, { rss: number; pss: number } | null> = { 1: { rss: 100, pss: 50 }, 2: null, 3: { rss: 10, pss: 10 } };
    expect(sumProcesses("web-1", [1, 2, 3], (p) => mem[p] ?? null)).toEqual({ host: "web-1", processes: 2, rssBytes: 110, pssBytes: 60 });
  });
  it("finds each program's version in its answer", () => {
    const probe = (name: string) => VERSION_PROBES.find((p) => p.name === name)!.pattern;
    expect(parseVersion("HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/", probe("HAProxy"))).toBe("2.6.12-1+deb12u4");
    expect(parseVersion("nginx version: nginx/1.22.1", probe("nginx"))).toBe("1.22.1");
    expect(parseVersion("mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu", probe("MariaDB"))).toBe("10.11.19-MariaDB-0+deb12u1");
    expect(parseVersion("Keepalived v2.2.7 (01/16,2022)", probe("keepalived"))).toBe("2.2.7");
    expect(parseVersion("command not found", probe("wrk"))).toBeNull();
  });
});
