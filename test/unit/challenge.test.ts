// Challenges as data (every built-in one valid, one per seed claim, checks that name real scenarios, audit
// checks and plants), the learner's progress file, and how a check's results become a verdict.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { analyze } from "../../src/analysis/index.js";
import { findBlueprint, loadBlueprint } from "../../src/blueprints/index.js";
import {
  auditVerdict,
  checkPassed,
  resetCurrent,
  expectationLine,
  experimentVerdict,
  findChallenge,
  listChallenges,
  nextHint,
  parseChallenge,
  planVerdict,
  PLANTS,
  progressFile,
  saturationVerdict,
  sizeVerdict,
  withSizeText,
  readProgress,
  recordVerdict,
  startChallenge,
  type Verdict,
} from "../../src/challenge/index.js";
import { evaluate, parseExpectation, type Expectation } from "../../src/experiment/expect.js";
import type { ExperimentReport } from "../../src/experiment/report.js";
import { listScenarios } from "../../src/experiment/scenario-load.js";
import { CHECK_ORDER } from "../../src/audit/run.js";
import type { AuditReport } from "../../src/audit/types.js";
import { buildModel } from "../../src/model/index.js";
import { SpecInvalidError, UsageError } from "../../src/spec/errors.js";
import { loadStackYaml } from "../../src/spec/load.js";
import { parse as parseYaml } from "yaml";

const exp = (t: string) => parseExpectation(t) as Expectation;
const findings = (bp: string) => analyze(buildModel(loadBlueprint(bp), { slot: 0 })).findings;

describe("built-in challenges", () => {
  const all = listChallenges();

  it("are all valid, in order, and cover every seed design", () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(all.map((c) => c.order)).toEqual([...all.map((c) => c.order)].sort((a, b) => a - b));
    expect(new Set(all.map((c) => c.seed.design))).toEqual(new Set([0, 1, 2, 3]));
    expect(new Set(all.map((c) => c.order)).size).toBe(all.length);
  });

  it("name only real scenarios, audit checks, blueprints and plants", () => {
    const scenarios = listScenarios();
    for (const c of all) {
      if ("blueprint" in c.start) expect(() => findBlueprint((c.start as { blueprint: string }).blueprint)).not.toThrow();
      else {
        expect(() => findBlueprint((c.start as { lab: string }).lab)).not.toThrow();
        expect(Object.keys(PLANTS)).toContain((c.start as { plant: string }).plant);
      }
      for (const k of c.check) {
        if (k.kind === "experiment") expect(scenarios, c.name).toContain(k.scenario);
        if (k.kind === "audit") for (const id of k.ids) expect(CHECK_ORDER).toContain(id);
      }
      expect(c.hints.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("include the troubleshooting challenges the issue asks for, each on a planted lab", () => {
    const planted = all.filter((c) => "plant" in c.start).map((c) => (c.start as { plant: string }).plant);
    expect(planted.sort()).toEqual(["firewall-rule-missing", "memory-full", "replication-stopped", "web-wrong-port"]);
  });

  it("include the sustained rate with small servers: a starting point that gives every server the size the check allows", () => {
    const c = findChallenge("sustain-rate");
    const k = c.check.find((x) => x.kind === "saturation") as Extract<(typeof c.check)[number], { kind: "saturation" }>;
    expect(k).toMatchObject({ rate: 150, size: { cpu: 0.1, memoryBytes: 384 * 1024 ** 2 }, p99Ms: 2000, maxErrorPct: 1, stepMs: 6000, writeShare: 0.1 });
    expect(c.start.size).toEqual({ cpu: 0.1, memory: "384Mi" });
    // memory-full needs a memory limit to fill
    expect(findChallenge("memory-full").start.size?.memory).toBe("384Mi");
  });

  it("whose plan checks fail on the starting design and pass on design 3", () => {
    for (const c of all.filter((x) => "blueprint" in x.start)) {
      for (const k of c.check.filter((x) => x.kind === "plan")) {
        const without = (k as { without: string[] }).without;
        expect(checkPassed(planVerdict(findings((c.start as { blueprint: string }).blueprint), without)), c.name).toBe(false);
        expect(checkPassed(planVerdict(findings("3"), without)), c.name).toBe(true);
      }
    }
  });

  it("are found by name or number, and an unknown name lists them", () => {
    expect(findChallenge("1").name).toBe(all[0]!.name);
    expect(findChallenge("keep-writing").seed.design).toBe(1);
    expect(() => findChallenge("nope")).toThrow(UsageError);
    expect(() => findChallenge("nope")).toThrow(/survive-server-crash/);
  });
});

describe("a challenge file", () => {
  const good = `title: T\norder: 1\nseed: {design: 0, claim: C}\nstory: S\nstart: {blueprint: 0}\ngoal: G\nhints: [h]\ncheck:\n  - experiment: kill-server\n    expect: [downtime < 2s]\n    says: x\n`;

  it("parses its checks", () => {
    const c = parseChallenge(good, "t");
    expect(c.check).toEqual([{ kind: "experiment", scenario: "kill-server", expect: [exp("downtime < 2s")], says: "x" }]);
  });

  it("parses a saturation check with its defaults, and refuses a bad size or percentage", () => {
    const sat = good.replace("  - experiment: kill-server\n    expect: [downtime < 2s]\n", "  - saturation: {rate: 150, size: {cpu: 0.25, memory: 256Mi}}\n");
    expect(parseChallenge(sat, "t").check).toEqual([
      { kind: "saturation", rate: 150, size: { cpu: 0.25, memoryBytes: 256 * 1024 ** 2, memory: "256Mi" }, p99Ms: 1000, maxErrorPct: 1, stepMs: 6000, writeShare: 0.1, says: "x" },
    ]);
    expect(() => parseChallenge(sat.replace("256Mi}}", "256Mi}, errors: 1}"), "t")).toThrow(SpecInvalidError);
    expect(() => parseChallenge(sat.replace("memory: 256Mi", "memory: 256MB"), "t")).toThrow(SpecInvalidError);
    expect(() => parseChallenge(sat.replace("rate: 150", "rate: 0"), "t")).toThrow(SpecInvalidError);
  });

  it("is refused with every problem and its line", () => {
    const bad = good.replace("downtime < 2s", "downtim < 2s").replace("hints: [h]", "hints: []\nextra: 1").replace("start: {blueprint: 0}", "start: {lab: 3, plant: unplugged}");
    try {
      parseChallenge(bad, "t");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SpecInvalidError);
      const problems = (err as SpecInvalidError).problems;
      expect(problems.map((p) => p.path).sort()).toEqual(["(root)", "check[0]", "hints", "start"].sort());
      expect(problems.every((p) => typeof p.line === "number")).toBe(true);
    }
  });
});

describe("progress", () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "stacklab-challenge-"));
    process.env.HOME = dir;
    delete process.env.XDG_STATE_HOME;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });
  const verdict = (passed: boolean, at: string): Verdict => ({ challenge: "c", lab: "l", at, passed, checks: [] });

  it("lives under the learner's HOME, or XDG_STATE_HOME", () => {
    expect(progressFile()).toBe(join(dir, ".local/state/stacklab/challenges.json"));
    expect(progressFile({ XDG_STATE_HOME: "/x", HOME: dir })).toBe("/x/stacklab/challenges.json");
  });

  it("is empty at first and when the file is unreadable", () => {
    expect(readProgress()).toEqual({ current: null, challenges: {} });
    const f = join(dir, "p.json");
    writeFileSync(f, "{not json");
    expect(readProgress(f)).toEqual({ current: null, challenges: {} });
  });

  it("keeps the last verdict and the time of the first pass", () => {
    const p = readProgress();
    recordVerdict(p, "c", verdict(false, "t1"));
    expect(p.challenges.c!.solvedAt).toBeUndefined();
    recordVerdict(p, "c", verdict(true, "t2"));
    recordVerdict(p, "c", verdict(false, "t3"));
    expect(p.challenges.c!.solvedAt).toBe("t2");
    expect(p.challenges.c!.lastCheck!.at).toBe("t3");
  });

  it("reset writes the starting design again and forgets the hints, not that it was solved", async () => {
    const s = await startChallenge("survive-lb-crash", { dir });
    const original = readFileSync(s.file!, "utf8");
    writeFileSync(s.file!, "servers: [{roles: [web, app, db]}]\n");
    nextHint();
    const p = readProgress();
    recordVerdict(p, "survive-lb-crash", verdict(true, "t1"));
    writeFileSync(progressFile(), JSON.stringify(p));
    const again = await resetCurrent();
    expect(again.file).toBe(s.file);
    expect(readFileSync(s.file!, "utf8")).toBe(original);
    expect(readProgress().challenges["survive-lb-crash"]).toMatchObject({ hintsShown: 0, solvedAt: "t1" });
  });

  it("start gives every server group and the load balancer the challenge's size, comments kept, and the design stays valid", async () => {
    const s = await startChallenge("sustain-rate", { dir });
    const text = readFileSync(s.file!, "utf8");
    expect(text).toContain("# Design 0: one server carries everything");
    const r = loadStackYaml(text, s.file!);
    expect(r.ok && r.value.servers.map((g) => g.size)).toEqual([{ cpu: 0.1, memory: "384Mi" }]);
    const one = parseYaml(withSizeText("loadBalancer: {count: 1}\nservers:\n  - roles: [web]\n  - roles: [db]\n", { cpu: 0.5, memory: "1Gi" })) as {
      loadBalancer: { size: unknown };
      servers: { size: unknown }[];
    };
    expect(one.loadBalancer.size).toEqual({ cpu: 0.5, memory: "1Gi" });
    expect(one.servers.map((g) => g.size)).toEqual([
      { cpu: 0.5, memory: "1Gi" },
      { cpu: 0.5, memory: "1Gi" },
    ]);
  });

  it("fills the learner's lab into a hint's commands", async () => {
    await startChallenge("firewall", { dir, lab: "mylab" });
    expect(nextHint().hint).toContain("stacklab audit --name mylab");
  });

  it("start writes the starting design, refuses to overwrite it, and hints come in order", async () => {
    const s = await startChallenge("survive-server-crash", { dir });
    expect(readFileSync(s.file!, "utf8")).toContain("servers:");
    expect(readFileSync(s.file!, "utf8")).toMatch(/^# challenge survive-server-crash/);
    const schema = /^\$schema: (.*)$/m.exec(readFileSync(s.file!, "utf8"))![1]!;
    expect(existsSync(schema), schema).toBe(true);
    await expect(startChallenge("survive-server-crash", { dir })).rejects.toThrow(/--force/);
    expect(readProgress().current).toBe("survive-server-crash");
    const hints = s.challenge.hints;
    expect(nextHint().hint).toBe(hints[0]);
    expect(nextHint().hint).toBe(hints[1]);
    for (let i = 0; i < hints.length + 2; i++) nextHint();
    expect(nextHint()).toMatchObject({ index: hints.length, remaining: 0, hint: hints.at(-1) });
    expect(readProgress().challenges["survive-server-crash"]!.hintsShown).toBe(hints.length);
  });
});

describe("a verdict", () => {
  it("says each figure in words, with the value measured and the one needed", () => {
    expect(expectationLine(evaluate(exp("downtime < 2s"), 7400))).toEqual({ passed: false, text: "longest time the site was down: 7.40 s (needed: under 2.00 s)" });
    expect(expectationLine(evaluate(exp("recovered == true"), 0)).text).toBe("the site answered again by itself, before anyone repaired the fault: no (needed: yes)");
    expect(expectationLine(evaluate(exp("lostWrites == 0"), 0))).toEqual({ passed: true, text: "confirmed writes missing from the database afterwards: 0 (needed: 0)" });
    expect(expectationLine(evaluate(exp("lostWrites == 0"), null))).toMatchObject({ passed: false, text: expect.stringContaining("not measured") });
  });

  it("of an experiment counts a step that could not run as a failure", () => {
    const report = {
      scenario: { name: "kill-lb", description: "Crash the load balancer.", source: "" },
      steps: [{ at: 2000, text: "kill lb-1", ok: false, error: "boom" }],
      metrics: { requests: 600, failedRequests: 370, downtime: 6200 },
      writes: { acknowledged: 60, lost: 0, indeterminate: 2 },
    } as unknown as ExperimentReport;
    const v = experimentVerdict(report, [evaluate(exp("downtime < 2s"), 6200)]);
    expect(v.context).toContain("600 requests from the visitor's host, 370 failed, longest outage 6.20 s");
    expect(v.lines.map((l) => l.passed)).toEqual([false, false]);
    expect(v.lines[1]!.text).toMatch(/could not kill lb-1: boom/);
  });

  it("of the audit passes a check only when it passed, not when it warned or is missing", () => {
    const check = (id: string, status: string) => ({ id, title: id, status, summary: `${id} ${status}`, details: ["WARN flow lb-web: plaintext"], durationMs: 1 });
    const report = { checks: [check("firewall", "pass"), check("plaintext", "warn")] } as unknown as AuditReport;
    const lines = auditVerdict(report, ["firewall", "plaintext", "exposure"]);
    expect(lines.map((l) => l.passed)).toEqual([true, false, false]);
    expect(lines[1]!.text).toContain("WARN flow lb-web");
    expect(checkPassed(lines)).toBe(false);
    expect(checkPassed([])).toBe(false);
  });

  it("of the plan matches finding ids by their beginning", () => {
    expect(planVerdict(findings("1"), ["spof.write"])[0]!).toMatchObject({ passed: false, text: expect.stringContaining("server-1") });
    expect(planVerdict(findings("1"), ["spof.wri"])[0]!.passed).toBe(true);
  });

  it("of the size check names each server that is bigger than allowed or has no size", () => {
    const limit = { cpu: 0.1, memoryBytes: 384 * 1024 ** 2 };
    expect(
      sizeVerdict(
        [
          { host: "lb-1", size: { cpu: 0.1, memoryBytes: 256 * 1024 ** 2 } },
          { host: "web-1", size: limit },
        ],
        limit,
      ),
    ).toEqual([{ passed: true, text: "all 2 servers are no bigger than 0.1 cores and 384Mi" }]);
    const lines = sizeVerdict([{ host: "server-1" }, { host: "web-1", size: { cpu: 0.5, memoryBytes: 1024 ** 3 } }, { host: "db-1", size: limit }], limit);
    expect(lines.map((l) => l.passed)).toEqual([false, false]);
    expect(lines[0]!.text).toMatch(/server-1 has no size/);
    expect(lines[1]!.text).toBe("web-1 is bigger than allowed: 0.5 cores and 1024Mi of memory (needed: at most 0.1 cores and 384Mi)");
    expect(checkPassed(sizeVerdict([], limit))).toBe(false);
  });

  it("of the saturation step fails on a slow tail, on errors, or when the lab falls behind, with the numbers", () => {
    const target = { p99Ms: 1000, maxErrorPct: 1 };
    const step = { offered: 200, achieved: 199.5, requests: 1200, p50Ms: 3, p99Ms: 120, errorPct: 0, hosts: [{ host: "web-1", cores: 0.05, utilisation: 0.5 }] };
    const ok = saturationVerdict(step, target);
    expect(checkPassed(ok.lines)).toBe(true);
    expect(ok.lines[1]!.text).toBe("99th percentile latency: 120 ms (needed: at most 1000 ms)");
    expect(ok.context.join("\n")).toMatch(/1200 requests offered at 200 requests\/s.*p50 3 ms\nCPU against size: web-1 50%/);
    const slow = saturationVerdict({ ...step, p99Ms: 4200 }, target).lines;
    expect(slow.filter((l) => !l.passed).map((l) => l.text)).toEqual(["99th percentile latency: 4200 ms (needed: at most 1000 ms)"]);
    const behind = saturationVerdict({ ...step, achieved: 120, errorPct: 30.25 }, target).lines.filter((l) => !l.passed);
    expect(behind.map((l) => l.text)).toEqual(["requests answered per second: 120 of 200 offered (needed: at least 180)", "requests that failed: 30.3% (needed: at most 1%)"]);
    expect(checkPassed(saturationVerdict({ ...step, p99Ms: null, achieved: 0 }, target).lines)).toBe(false);
  });
});
