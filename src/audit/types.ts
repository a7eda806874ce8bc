// What `stacklab audit` reports: one result per check, each with its evidence, and the whole run.

/** pass: as the design requires; fail: a problem (exit 1); warn: worth knowing, not a failure; skip: nothing to check. */
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface AuditCheck {
  /** Stable id, e.g. `firewall`, `reachability`, `tls-versions`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** One sentence: what was found. */
  summary: string;
  /** Evidence, one line each (the failures first). */
  details: string[];
  durationMs: number;
}

export interface AuditReport {
  lab: string;
  design: string;
  source: string;
  startedAt: string;
  durationMs: number;
  /** True when no check failed. */
  passed: boolean;
  counts: Record<CheckStatus, number>;
  checks: AuditCheck[];
}
