// Server sizes on a real lab: limits applied with cgroups (memory from the first process, CPU once ready), usage read from the kernel's
// accounting, a noisy neighbour capped by the size, the kernel's OOM killer at the memory limit, clean removal.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cgroupMode, createHostCgroup, hierarchies, hostCgroups, hostCpuLimit, limitHostCpu } from "../../src/runtime/cgroups.js";
import { BIN, cli, isRoot, useLab, until, labPath, testLab } from "./helpers.js";
import { hasChromium, openBrowser, startDashboardCli } from "./dashboard-support.js";

const LAB = testLab("szt0");
const dir = mkdtempSync(join(tmpdir(), "stacklab-sizes-"));
const spec = join(dir, "stack.yaml");
writeFileSync(spec, ["name: sized", "domain: foobar.com", "servers:", "  - roles: [web, app, db]", "    size: {cpu: 0.5, memory: 384Mi}", ""].join("\n"));

interface SizeStatus {
  cpu: number;
  memoryBytes: number;
  cpuSeconds: number;
  memoryUsed: number;
  oomKills: number;
}
function size(): SizeStatus {
  const r = cli(["status", "--name", LAB, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { hosts: { name: string; size?: SizeStatus }[] }).hosts.find((h) => h.name === "server-1")!.size!;
}

describe.skipIf(!isRoot)("server sizes", () => {
  // useLab takes a blueprint name; a design file works the same through `up FILE`.
  useLab(LAB, spec);

  it("applies the size with cgroups to every process of the host, from its first", () => {
    const dirs = hostCgroups(LAB, "server-1");
    expect(dirs.length).toBeGreaterThan(0);
    const mode = cgroupMode();
    if (mode.version === 1) {
      expect(readFileSync(join(mode.cpu, LAB, "server-1", "cpu.cfs_quota_us"), "utf8").trim()).toBe("5000");
      expect(readFileSync(join(mode.memory, LAB, "server-1", "memory.limit_in_bytes"), "utf8").trim()).toBe(String(384 * 1024 ** 2));
    } else if (mode.version === 2) {
      expect(readFileSync(join(dirs[0]!, "cpu.max"), "utf8").trim()).toBe("5000 10000");
      expect(readFileSync(join(dirs[0]!, "memory.max"), "utf8").trim()).toBe(String(384 * 1024 ** 2));
    }
    // Every process in the host's network namespace is in its cgroup (the launcher joined it before the init).
    const inHost = spawnSync("ip", ["netns", "pids", `stacklab-${LAB}.server-1`], { encoding: "utf8" })
      .stdout.split(/\s+/)
      .filter(Boolean);
    expect(inHost.length).toBeGreaterThan(5);
    for (const d of dirs) {
      const procs = new Set(readFileSync(join(d, "cgroup.procs"), "utf8").split(/\s+/).filter(Boolean));
      for (const p of inHost) if (existsSync(`/proc/${p}`)) expect(procs.has(p), `pid ${p} in ${d}`).toBe(true);
    }
  });

  it("boots a host on the machine's CPU with its memory limit, and gives it its CPU size once it is ready (after a restart too)", () => {
    // A cgroup as a boot makes it: memory limited from the first process, no CPU quota yet; then the size.
    const probe = "size-probe";
    const small = { cpu: 0.25, memoryBytes: 256 * 1024 ** 2 };
    try {
      createHostCgroup(LAB, probe, small);
      expect(hostCpuLimit(LAB, probe)).toBeUndefined();
      limitHostCpu(LAB, probe, small);
      expect(hostCpuLimit(LAB, probe)).toBe(0.25);
      // A boot after a crash lifts the previous quota again.
      createHostCgroup(LAB, probe, small);
      expect(hostCpuLimit(LAB, probe)).toBeUndefined();
    } finally {
      for (const d of hostCgroups(LAB, probe)) spawnSync("rmdir", [d]);
    }
    // The lifecycle does the same for a real host: killed, started again, ready, and back at its size.
    expect(cli(["fault", "kill", "server-1", "--name", LAB]).code).toBe(0);
    const r = cli(["fault", "start", "server-1", "--name", LAB], 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(hostCpuLimit(LAB, "server-1")).toBe(0.5);
  });

  it("reports the host's CPU time and memory against its size from the cgroup", () => {
    const s = size();
    expect(s).toMatchObject({ cpu: 0.5, memoryBytes: 384 * 1024 ** 2 });
    expect(s.cpuSeconds).toBeGreaterThan(0);
    expect(s.memoryUsed).toBeGreaterThan(10 * 1024 ** 2);
    expect(s.memoryUsed).toBeLessThanOrEqual(s.memoryBytes);
    expect(cli(["status", "--name", LAB]).stdout).toMatch(/size {2}cpu \d+% of 0\.5 cores .* memory \d+Mi of 384Mi/);
  });

  it("finds the lab's cgroups from a command run in another cgroup (another login's session) by the lab's record", () => {
    // A cgroup beside the one `up` ran in, in every hierarchy stacklab uses: a command started there would make a
    // new lab's cgroups somewhere else, and must still find this lab's where they are.
    const h = hierarchies();
    if (h.version === 0) return;
    const others = h.version === 2 ? [join(h.mount, h.own, "szt-other")] : [h.cpu, h.cpuacct, h.memory].map((x) => join(x.mount, x.own, "szt-other"));
    try {
      for (const d of others) mkdirSync(d, { recursive: true });
      const enter = others.map((d) => `echo $$ > ${join(d, "cgroup.procs")}`).join(" && ");
      const r = spawnSync("sh", ["-c", `${enter} && exec "$@"`, "sh", process.execPath, BIN, "status", "--name", LAB, "--json"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const s = (JSON.parse(r.stdout) as { hosts: { name: string; size?: SizeStatus }[] }).hosts.find((x) => x.name === "server-1")!.size;
      expect(s?.memoryUsed).toBeGreaterThan(10 * 1024 ** 2);
    } finally {
      for (const d of others) spawnSync("rmdir", [d]);
    }
  });

  it("caps a noisy neighbour at the host's size: CPU time never outruns the quota", async () => {
    const before = size().cpuSeconds;
    const t0 = performance.now();
    const r = cli(["fault", "stress", "server-1", "--cpu", "2", "--duration", "4s", "--name", LAB]);
    expect(r.code, r.stderr).toBe(0);
    await until("the stress to end", () => /over \(stress-ng stopped by itself\)/.test(cli(["fault", "list", "--name", LAB]).stdout), 30_000);
    const used = size().cpuSeconds - before;
    const wall = (performance.now() - t0) / 1000;
    // The kernel's quota: at most 0.5 s of CPU per second of wall time (plus slack for the accounting).
    expect(used).toBeLessThanOrEqual(0.5 * wall + 0.1);
    expect(used).toBeGreaterThan(0);
    expect(cli(["fault", "heal", "--name", LAB]).code).toBe(0);
  });

  it("past its memory, the kernel kills a process of the host, as on a real server; the site stays", async () => {
    const before = size().oomKills;
    const r = cli(["fault", "stress", "server-1", "--memory", "600Mi", "--duration", "20s", "--name", LAB]);
    expect(r.code, r.stderr).toBe(0);
    const s = await until("an OOM kill in the host", () => {
      const x = size();
      return x.oomKills > before ? x : undefined;
    });
    expect(s.memoryUsed).toBeLessThanOrEqual(s.memoryBytes);
    expect(cli(["status", "--name", LAB]).stdout).toMatch(/killed out of memory/);
    // The host's reporter tells the lab's event log what the kernel did.
    await until("the OOM event in the lab's log", () => readFileSync(labPath(LAB, "events.jsonl"), "utf8").includes('"source":"kernel"'), 30_000);
    expect(cli(["fault", "heal", "--name", LAB]).code).toBe(0);
    await until("the site to answer", () => cli(["exec", "--name", LAB, "user", "--", "curl", "-sf", "--max-time", "5", "-o", "/dev/null", "http://www.foobar.com/healthz"]).code === 0);
  });

  it("saturate: steps an open-loop load up, stops at the first step past the target, and names the tier that binds", () => {
    const svg = join(dir, "latency.svg");
    const r = cli(["saturate", "--name", LAB, "--from", "40", "--factor", "3", "--step", "3s", "--steps", "5", "--warm-up", "2s", "--svg", svg, "--json"], 180_000);
    expect([0, 1]).toContain(r.code);
    const report = JSON.parse(r.stdout) as {
      steps: { offered: number; stage?: string; ok: boolean; hosts: { host: string; cores: number; utilisation: number }[] }[];
      sustainable: number | null;
      bottleneck: { tier: string } | null;
      stoppedBecause: string;
      dir: string;
    };
    // The warm-up ran at the first step's rate and is not one of the steps (their rates are checked below).
    expect(readFileSync(join(report.dir, "warm-up.jsonl"), "utf8").trim().split("\n").length).toBeGreaterThan(40);
    expect(report.steps.length).toBeGreaterThanOrEqual(1);
    // At most 5 climbing steps, then at most 3 bisecting (the CLI's default).
    expect(report.steps.length).toBeLessThanOrEqual(8);
    // The climb stops at the first step that missed the target; only bisection steps follow it, inside the bracket.
    const climb = report.steps.filter((s) => s.stage !== "bisect");
    const failed = climb.findIndex((s) => !s.ok);
    if (failed >= 0) expect(failed).toBe(climb.length - 1);
    expect(climb.map((s) => s.offered)).toEqual(climb.map((_, i) => 40 * 3 ** i));
    const bisect = report.steps.filter((s) => s.stage === "bisect");
    expect(bisect.length).toBeLessThanOrEqual(3);
    if (failed > 0) for (const s of bisect) expect(s.offered > climb[failed - 1]!.offered && s.offered < climb[failed]!.offered).toBe(true);
    if (bisect.length) expect(report.sustainable).toBe(Math.max(climb[failed - 1]!.offered, ...bisect.filter((s) => s.ok).map((s) => s.offered)));
    // Each step read the sized host's CPU from its cgroup, against its size.
    for (const s of report.steps) expect(s.hosts.find((h) => h.host === "server-1")!.cores).toBeGreaterThan(0);
    expect(report.bottleneck?.tier).toBe("web+app+db");
    expect(report.sustainable === null ? r.code : 0).toBe(report.sustainable === null ? 1 : 0);
    expect(report.stoppedBecause.length).toBeGreaterThan(0);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[\s\S]*p99 target 200 ms/);
  });

  it("capacity: measures the tier's CPU per request from its cgroup and answers servers for a rate; an unreachable target exits 2", () => {
    const r = cli(["capacity", "--lab", LAB, "--rps", "2000", "--p99", "500ms", "--step", "3s", "--json"], 180_000);
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as {
      measurement: { tiers: { tier: string; cpu: number; demand: number }[]; hosts: { host: string; loadCores: number; idleCores: number }[]; moderate: { offered: number }; baseP99Ms: number };
      plan: { tiers: { tier: string; servers: number; cpu: number; utilisation: number }[]; p99Ms: number; cores: number; unreachable: string | null };
      checkable: boolean;
      notChecked: string[];
    };
    // The demand came from the host's cgroup: CPU used under load above what it used idle, per request answered.
    const t = a.measurement.tiers.find((x) => x.tier === "web+app+db")!;
    expect(t.cpu).toBe(0.5);
    expect(t.demand).toBeGreaterThan(0);
    const h = a.measurement.hosts.find((x) => x.host === "server-1")!;
    expect(h.loadCores).toBeGreaterThan(h.idleCores);
    // The answer holds 2000 req/s under full utilisation, at the target; a single server grows in size, not count.
    const p = a.plan.tiers[0]!;
    expect(a.plan.unreachable).toBeNull();
    expect(p.servers).toBe(1);
    expect(p.utilisation).toBeLessThan(1);
    expect(p.cpu).toBeGreaterThanOrEqual(Math.min(0.5, 2000 * t.demand));
    expect(a.plan.p99Ms).toBeLessThanOrEqual(500);
    // Half a core per 2000 req/s is more than most rigs can offer, let alone hold: when the answer does not fit, it says so.
    if (!a.checkable) expect(a.notChecked.join(" ")).toMatch(/cores of servers|cannot be generated here/);
    const bad = cli(["capacity", "--lab", LAB, "--rps", "100", "--p99", "1ms", "--step", "2s"], 120_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/target cannot be reached|already passes the target/);
  });

  it.skipIf(!hasChromium)("the dashboard draws a CPU and a memory bar for the sized host, against its size", async () => {
    const d = await startDashboardCli(LAB);
    const b = await openBrowser();
    try {
      await b.page.goto(d.url);
      const bars = b.page.locator('#sizes .size-host[data-host="server-1"]');
      await bars.waitFor({ timeout: 20_000 });
      // The first look has no CPU share yet (it needs two readings); the next one does.
      await b.page.waitForFunction(() => /cpu \d+% of 0\.5 cores/.test(document.querySelector('#sizes .size-host[data-host="server-1"]')?.textContent ?? ""), undefined, { timeout: 20_000 });
      const text = (await bars.textContent()) ?? "";
      expect(text).toMatch(/mem \d+Mi of 384Mi/);
      const width = await bars.locator(".size-bar.memory .fill").evaluate((e) => (e as HTMLElement).style.width);
      expect(Number.parseFloat(width)).toBeGreaterThan(0);
      expect(b.errors).toEqual([]);
    } finally {
      await b.close();
      await d.stop();
    }
  });

  it("refuses bad sizes with the path and an example, and a host bigger than the machine", () => {
    for (const [bad, msg] of [
      ["{cpu: fast, memory: 512Mi}", /servers\[0\]\.size\.cpu.*expected a number.*e\.g\. cpu: 0\.5/s],
      ["{cpu: 0, memory: 512Mi}", /servers\[0\]\.size\.cpu.*e\.g\. cpu: 0\.5/s],
      ["{cpu: -1, memory: 512Mi}", /servers\[0\]\.size\.cpu/],
      ["{cpu: 1, memory: lots}", /servers\[0\]\.size\.memory.*512Mi or 1Gi/s],
      ["{cpu: 1, memory: 1Mi}", /servers\[0\]\.size\.memory.*at least 64Mi/s],
    ] as const) {
      const f = join(dir, "bad.yaml");
      writeFileSync(f, `servers:\n  - roles: [web, app, db]\n    size: ${bad}\n`);
      const r = cli(["validate", f]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr + r.stdout, bad).toMatch(msg);
    }
    const big = join(dir, "big.yaml");
    writeFileSync(big, "servers:\n  - roles: [web, app, db]\n    size: {cpu: 64, memory: 512Mi}\n");
    const up = cli(["up", big, "--name", testLab("sztbig")]);
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/server-1 \(64 cores, 512Mi\): bigger than this whole machine/);
    expect(existsSync(labPath(testLab("sztbig")))).toBe(false);
    const many = join(dir, "many.yaml");
    const n = cpus().length + 1;
    writeFileSync(many, `servers:\n  - roles: [web, app, db]\n    count: ${n}\n    size: {cpu: 1, memory: 512Mi}\n`);
    const plan = cli(["plan", many]);
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain(`add up to ${n} cores, 1 more than this machine's ${n - 1}`);
  });
});
