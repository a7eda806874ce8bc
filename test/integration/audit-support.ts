// Shared by the audit's integration tests: run `stacklab audit --json` on a lab and read the result.
import type { AuditCheck, AuditReport } from "../../src/audit/types.js";
import { cli } from "./helpers.js";

/** Runs the audit of a lab; returns its exit code, parsed report and the ids of its failed checks (sorted). */
export function runAudit(lab: string): { code: number; report: AuditReport; byId: (id: string) => AuditCheck; failed: string[] } {
  const r = cli(["audit", "--name", lab, "--json"], 120_000);
  let report: AuditReport;
  try {
    report = JSON.parse(r.stdout) as AuditReport;
  } catch {
    throw new Error(`audit printed no JSON (exit ${r.code}):\n${r.stderr}\n${r.stdout}`);
  }
  const byId = (id: string) => {
    const c = report.checks.find((x) => x.id === id);
    if (!c) throw new Error(`no check ${id} in the report (${report.checks.map((x) => x.id).join(", ")})`);
    return c;
  };
  const failed = report.checks
    .filter((c) => c.status === "fail")
    .map((c) => c.id)
    .sort();
  return { code: r.code, report, byId, failed };
}

/** A readable list of the checks that did not pass, for assertion messages. */
export function notPassing(report: AuditReport): string {
  return report.checks
    .filter((c) => c.status !== "pass")
    .map((c) => `${c.status} ${c.id}: ${c.summary}\n  ${c.details.slice(0, 8).join("\n  ")}`)
    .join("\n");
}

/**
 * What keepalived on each load balancer of the lab last logged about its state (MASTER, BACKUP, FAULT, its HAProxy
 * check): printed when an audit of a design with a floating IP fails, to tell a floating IP that moved during the
 * audit's probes (connections reset or left hanging) from a real finding.
 */
export function vrrpHistory(lab: string, hosts = ["lb-1", "lb-2"]): string {
  return hosts
    .map((h) => {
      const r = cli(["logs", h, "keepalived", "--lines", "2000", "--name", lab]);
      const lines = r.stdout.split("\n").filter((l) => /Entering|FAULT|chk_haproxy|timed out|priority 0/i.test(l));
      return `keepalived on ${h} (now ${new Date().toISOString()}):\n  ${(r.code === 0 ? lines.slice(-12) : [r.stderr.trim()]).join("\n  ")}`;
    })
    .join("\n");
}
