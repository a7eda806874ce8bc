// plan --sarif and audit --sarif: SARIF 2.1.0 logs with rule ids, levels, and the place in the spec each result concerns.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { SarifLog } from "../../src/analysis/sarif.js";
import { auditSarif } from "../../src/audit/sarif.js";
import type { AuditReport } from "../../src/audit/types.js";
import { specRegion } from "../../src/spec/region.js";

const ROOT = resolve(import.meta.dirname, "../..");
const cli = (args: string[], cwd: string) => {
  try {
    return { code: 0, out: execFileSync(process.execPath, [join(ROOT, "bin/stacklab.js"), ...args], { cwd, encoding: "utf8", stdio: "pipe", env: { ...process.env, NO_COLOR: "1" } }) };
  } catch (err) {
    return { code: (err as { status: number }).status, out: String((err as { stdout?: string }).stdout) };
  }
};

/** The parts of SARIF 2.1.0 code-scanning tools require, checked on a log. */
function expectValidSarif(log: SarifLog): void {
  expect(log.version).toBe("2.1.0");
  expect(log.$schema).toMatch(/sarif-2\.1\.0/);
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0]!;
  expect(run.tool.driver.name).toMatch(/^stacklab /);
  const ids = new Set(run.tool.driver.rules.map((r) => r.id));
  expect(ids.size).toBe(run.tool.driver.rules.length);
  for (const r of run.results) {
    expect(ids.has(r.ruleId), r.ruleId).toBe(true);
    expect(["error", "warning", "note"]).toContain(r.level);
    expect(r.message.text.length).toBeGreaterThan(0);
    const loc = r.locations[0]!.physicalLocation;
    expect(loc.artifactLocation.uri).not.toMatch(/^\//);
    expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
    expect(loc.region.startColumn).toBeGreaterThanOrEqual(1);
  }
}

describe("plan --sarif", () => {
  it("writes every finding of a design with its rule, severity as level, and the line of the spec to change", () => {
    const dir = mkdtempSync(join(tmpdir(), "se-sarif-"));
    const spec = "# a design with no firewall and plain HTTP\nservers:\n  - roles: [web, app, db]\ntls:\n  mode: none\nfirewall:\n  policy: none\n";
    writeFileSync(join(dir, "stack.yaml"), spec);
    const r = cli(["plan", "stack.yaml", "--sarif", "out.sarif", "--json"], dir);
    expect(r.code).toBe(0);
    const log = JSON.parse(readFileSync(join(dir, "out.sarif"), "utf8")) as SarifLog;
    expectValidSarif(log);
    const plan = JSON.parse(r.out) as { findings: { id: string; severity: string }[] };
    expect(log.runs[0]!.results).toHaveLength(plan.findings.length);
    const noFirewall = log.runs[0]!.results.find((x) => x.partialFingerprints?.findingId === "security.no-firewall")!;
    expect(noFirewall).toMatchObject({ ruleId: "security.no-firewall", level: "error", locations: [{ physicalLocation: { artifactLocation: { uri: "stack.yaml" }, region: { startLine: 6 } } }] });
    const noHttps = log.runs[0]!.results.find((x) => x.ruleId === "security.no-https")!;
    expect(noHttps.locations[0]!.physicalLocation.region.startLine).toBe(4);
    const rule = log.runs[0]!.tool.driver.rules.find((x) => x.id === "security.no-firewall")!;
    expect(rule.properties["security-severity"]).toBeDefined();
  });

  it("points a blueprint's findings at its file", () => {
    const dir = mkdtempSync(join(tmpdir(), "se-sarif-"));
    cli(["plan", "--blueprint", "1", "--sarif", "b.sarif"], dir);
    const log = JSON.parse(readFileSync(join(dir, "b.sarif"), "utf8")) as SarifLog;
    expectValidSarif(log);
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/blueprints\/1-distributed_web_infrastructure\.yaml$/);
  });
});

describe("audit --sarif", () => {
  it("reports failures as errors and warnings as warnings, at the section of the spec they concern", () => {
    const check = (id: string, status: "pass" | "fail" | "warn", details: string[] = []) => ({ id, title: id, status, summary: `${id} ${status}`, details, durationMs: 1 });
    const report: AuditReport = {
      lab: "se1",
      design: "foobar",
      source: "stack.yaml",
      startedAt: "2026-01-01T00:00:00Z",
      durationMs: 10,
      passed: false,
      counts: { pass: 1, fail: 1, warn: 1, skip: 0 },
      checks: [check("firewall", "pass"), check("headers", "fail", ["FAIL 198.18.0.100: https://www.foobar.com/ lacks Content-Security-Policy"]), check("tls-ciphers", "warn", ["WARN app-1"])],
    };
    const text = "servers:\n  - roles: [web, app, db]\ntls:\n  mode: terminate\n";
    const log = auditSarif(report, "stack.yaml", (p) => specRegion(text, p));
    expectValidSarif(log);
    expect(log.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(["audit.firewall", "audit.headers", "audit.tls-ciphers"]);
    expect(log.runs[0]!.results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.region.startLine])).toEqual([
      ["audit.headers", "error", 3],
      ["audit.tls-ciphers", "warning", 3],
    ]);
    expect(log.runs[0]!.results[0]!.message.text).toContain("lacks Content-Security-Policy");
  });
});
