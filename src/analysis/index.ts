// The analysis layer: findings and availability from a model (`analyze`), and the difference between two designs (`diffModels`).
export * from "./types.js";
export { analyze, type AnalyzeOptions } from "./analyze.js";
export { diffModels, diffWithReports, describeFlow, type DiffOptions } from "./diff.js";
export { formatPlan, wrap, SEVERITY_COLOR, type Paint, type FormatOptions } from "./format.js";
export { formatDiff } from "./format-diff.js";
export { estimateAvailability, figure, duration, EXACT_LIMIT } from "./availability.js";
export { buildPathGraph, evaluate, resolveName, hostsWithRole, type PathGraph, type PathNode, type PathEdge, type Reach, type Stage } from "./paths.js";
export { parseAvailabilityOverrides } from "./assumptions.js";
export { atLeast, parseSeverity, rank, sortFindings, countBySeverity } from "./severity.js";
export { RULES, type Rule, type RuleContext } from "./rules/index.js";
