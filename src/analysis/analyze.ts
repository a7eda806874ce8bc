// The plan: runs every rule on a model and estimates its availability.
import type { Model } from "../model/types.js";
import { estimateAvailability } from "./availability.js";
import { RULES, ruleContext } from "./rules/index.js";
import { countBySeverity, sortFindings } from "./severity.js";
import type { AvailabilityAssumptions, PlanReport } from "./types.js";

export interface AnalyzeOptions {
  /** Replaces some of the model's availability assumptions (e.g. `{ server: 0.995 }`). */
  availability?: Partial<AvailabilityAssumptions>;
}

/** Analyzes a design: its findings, worst first, and its estimated availability. Pure. */
export function analyze(model: Model, options: AnalyzeOptions = {}): PlanReport {
  const m = options.availability ? { ...model, availability: { ...model.availability, ...options.availability } } : model;
  const ctx = ruleContext(m);
  const findings = sortFindings(RULES.flatMap((rule) => rule(ctx)));
  return {
    design: m.name,
    domain: m.domain,
    summary: countBySeverity(findings),
    findings,
    availability: estimateAvailability(m, ctx.graph),
  };
}
