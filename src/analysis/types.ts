// The analysis results: findings, the availability estimate, the plan report and the diff of two designs.
import type { Role } from "../model/types.js";

/** How bad a finding is, worst first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Which family of rules produced a finding. */
export type Category = "availability" | "maintenance" | "scalability" | "security" | "observability";

/** One weak point of a design, with the reasoning behind it. */
export interface Finding {
  /** Stable identifier, e.g. `spof.host.lb-1` or `security.no-firewall`. */
  id: string;
  severity: Severity;
  category: Category;
  /** One line naming the problem. */
  title: string;
  /** Hosts, entry-point addresses or flow ids involved. */
  elements: string[];
  /** What in the design shows the problem. */
  evidence: string;
  /** What users or operators would notice. */
  impact: string;
  /** What to change, in the spec's terms where possible. */
  remedy: string;
}

/** Per-component availability assumptions (fractions of time up). */
export interface AvailabilityAssumptions {
  server: number;
  loadBalancer: number;
  dns: number;
}

/** One availability figure with its expected downtime. */
export interface AvailabilityFigure {
  /** Fraction of time the thing works, 0..1. */
  availability: number;
  /** The same as a percentage, e.g. "99.9702%". */
  percent: string;
  downtimeHoursPerYear: number;
  /** Expected downtime in words, e.g. "2.6 hours". */
  downtimePerYear: string;
  downtimePerMonth: string;
}

/** The design's estimated availability from per-component assumptions. */
export interface AvailabilityEstimate {
  assumptions: AvailabilityAssumptions;
  /** `exact`: every combination of host failures enumerated; `series-parallel`: tiers composed, shared hosts counted per tier. */
  method: "exact" | "series-parallel";
  /** How the figure was computed, in words. */
  methodNote: string;
  /** Each host that can fail and the availability assumed for it. */
  hosts: { host: string; role: Role | "controller"; availability: number }[];
  /** Visitors can both read and write. */
  site: AvailabilityFigure;
  /** Visitors can at least read. */
  reads: AvailabilityFigure;
}

/** The result of `stacklab plan`: every finding, worst first, and the availability estimate. */
export interface PlanReport {
  design: string;
  domain: string;
  /** How many findings of each severity. */
  summary: Record<Severity, number>;
  findings: Finding[];
  availability: AvailabilityEstimate;
}

/** A host as the diff shows it. */
export interface HostSummary {
  name: string;
  roles: Role[];
}

/** A flow as the diff shows it. */
export interface FlowSummary {
  id: string;
  from: string[];
  to: string[];
  protocol: string;
  port: number;
  encrypted: boolean;
}

/** A value that differs between two designs. */
export interface Change<T = string> {
  key: string;
  before: T;
  after: T;
}

/** What design B adds, removes or changes compared with design A, and how the findings move. */
export interface ModelDiff {
  /** Label of design A (the baseline), e.g. a file path or "blueprint 2". */
  a: string;
  /** Label of design B. */
  b: string;
  hosts: { added: HostSummary[]; removed: HostSummary[]; changed: Change<string[]>[] };
  services: { added: string[]; removed: string[] };
  flows: { added: FlowSummary[]; removed: FlowSummary[]; changed: Change[] };
  entryPoints: { added: string[]; removed: string[] };
  settings: Change[];
  findings: {
    /** In A, gone in B. */
    resolved: Finding[];
    /** New in B. */
    introduced: Finding[];
    /** In both with another severity (key = finding id). */
    changed: Change<Severity>[];
    /** Ids present in both. */
    unchanged: string[];
  };
  availability: { before: AvailabilityFigure; after: AvailabilityFigure };
}
