// Findings as SARIF 2.1.0 (the format code-scanning tools read, as Checkov and KICS emit it): rules, results, levels, spec locations.
import type { Stack } from "../spec/schema.js";
import type { Finding, PlanReport, Severity } from "./types.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
export type SarifLevel = "error" | "warning" | "note" | "none";

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription?: { text: string };
  help?: { text: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; "security-severity"?: string };
}

export interface SarifResult {
  ruleId: string;
  level: SarifLevel;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } }; logicalLocations?: { fullyQualifiedName: string }[] }[];
  partialFingerprints?: Record<string, string>;
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: { tool: { driver: { name: string; informationUri: string; version: string; rules: SarifRule[] } }; results: SarifResult[]; artifacts?: { location: { uri: string } }[] }[];
}

/** Where in the spec a path is written: the caller reads the file (this module stays pure). */
export type Locator = (path: (string | number)[]) => { startLine: number; startColumn: number };

const LEVELS: Record<Severity, SarifLevel> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };
// GitHub code scanning ranks security results by this number (0-10).
const SCORES: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "1.0" };

/** The rule a finding belongs to: its id without the host, flow or role it names (`spof.host.lb-1` -> `spof.host`). */
export function ruleIdOf(findingId: string): string {
  return findingId.split(".").slice(0, 2).join(".");
}

/** The part of the spec a finding is about, as a path (the section that would change to fix it). */
export function findingSpecPath(f: Finding, stack: Stack): (string | number)[] {
  const [family, kind] = f.id.split(".");
  const groupOf = (host: string | undefined): (string | number)[] => {
    const i = host ? stack.servers.findIndex((g) => host.startsWith(`${g.name ?? (g.roles.length === 1 ? g.roles[0] : "server")}-`)) : -1;
    return i >= 0 ? ["servers", i] : ["servers"];
  };
  if (family === "spof" && kind === "entry") return stack.loadBalancer ? ["loadBalancer"] : ["servers"];
  if (family === "spof" || family === "maintenance" || family === "scaling" || family === "path") return f.elements[0]?.startsWith("lb-") ? ["loadBalancer"] : groupOf(f.elements[0]);
  if (family === "security") {
    if (kind === "accepted-risk" || kind === "extra-public-port") {
      const i = stack.firewall.allow.findIndex((a, n) => f.id.endsWith(`.${a.name ?? `allow-${n + 1}`}`));
      return i >= 0 ? ["firewall", "allow", i] : ["firewall"];
    }
    return kind === "no-firewall" || kind === "db-public" ? ["firewall"] : ["tls"];
  }
  if (family === "failover") return ["database"];
  if (family === "monitoring") return ["monitoring"];
  if (family === "dns") return ["dns"];
  return [];
}

/** A SARIF log of one tool run. */
export function sarifLog(tool: string, rules: SarifRule[], results: SarifResult[], uri: string): SarifLog {
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [{ tool: { driver: { name: tool, informationUri: "https://github.com/stacklab/stacklab", version: "0.1.0", rules } }, artifacts: [{ location: { uri } }], results }],
  };
}

/** `plan --sarif`: one rule per kind of finding, one result per finding, located at the part of the spec to change. */
export function planSarif(report: PlanReport, stack: Stack, uri: string, locator: Locator): SarifLog {
  const rules = new Map<string, SarifRule>();
  const results: SarifResult[] = [];
  for (const f of report.findings) {
    const ruleId = ruleIdOf(f.id);
    if (!rules.has(ruleId)) {
      rules.set(ruleId, {
        id: ruleId,
        name: ruleId.replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase()),
        shortDescription: { text: f.title },
        fullDescription: { text: f.impact },
        help: { text: f.remedy },
        defaultConfiguration: { level: LEVELS[f.severity] },
        properties: { tags: [f.category, ...(f.category === "security" ? ["security"] : [])], "security-severity": SCORES[f.severity] },
      });
    }
    const path = findingSpecPath(f, stack);
    results.push({
      ruleId,
      level: LEVELS[f.severity],
      message: { text: `${f.title}. ${f.evidence} Remedy: ${f.remedy}` },
      locations: [{ physicalLocation: { artifactLocation: { uri }, region: locator(path) }, logicalLocations: [{ fullyQualifiedName: path.length ? path.join(".") : "(root)" }] }],
      partialFingerprints: { findingId: f.id },
    });
  }
  return sarifLog("stacklab plan", [...rules.values()], results, uri);
}
