// `audit --sarif`: the checks as SARIF 2.1.0 rules, failures as errors and warnings as warnings, at the part of the spec they concern.
import { sarifLog, type Locator, type SarifLevel, type SarifLog, type SarifResult, type SarifRule } from "../analysis/sarif.js";
import type { AuditReport, CheckStatus } from "./types.js";

/** The section of the design a check judges (what would change to fix it). */
const CHECK_SPEC_PATHS: Record<string, (string | number)[]> = {
  firewall: ["firewall"],
  reachability: ["firewall"],
  exposure: ["firewall"],
  vrrp: ["loadBalancer"],
  https: ["tls"],
  "tls-versions": ["tls"],
  "tls-ciphers": ["tls"],
  certificates: ["tls"],
  "ca-constraints": ["tls"],
  redirect: ["tls"],
  hsts: ["tls"],
  headers: ["tls"],
  plaintext: ["tls", "internal"],
  "db-grants": ["database"],
  privileges: ["servers"],
  secrets: ["servers"],
};

const LEVELS: Record<CheckStatus, SarifLevel> = { fail: "error", warn: "warning", pass: "none", skip: "none" };

/** One rule per check; a result for every check that failed or warned, with its evidence. */
export function auditSarif(report: AuditReport, uri: string, locator: Locator): SarifLog {
  const rules: SarifRule[] = report.checks.map((c) => ({
    id: `audit.${c.id}`,
    name: c.id.replace(/-(\w)/g, (_, x: string) => x.toUpperCase()),
    shortDescription: { text: c.title },
    defaultConfiguration: { level: "error" },
    properties: { tags: ["security"], "security-severity": "7.0" },
  }));
  const results: SarifResult[] = report.checks
    .filter((c) => c.status === "fail" || c.status === "warn")
    .map((c) => {
      const path = CHECK_SPEC_PATHS[c.id] ?? [];
      const evidence = c.details.filter((d) => /^(FAIL|WARN)/.test(d)).slice(0, 10);
      return {
        ruleId: `audit.${c.id}`,
        level: LEVELS[c.status],
        message: { text: [`${c.summary} (lab ${report.lab})`, ...evidence].join("\n") },
        locations: [{ physicalLocation: { artifactLocation: { uri }, region: locator(path) }, logicalLocations: [{ fullyQualifiedName: path.length ? path.join(".") : "(root)" }] }],
        partialFingerprints: { check: c.id },
      };
    });
  return sarifLog("stacklab audit", rules, results, uri);
}
