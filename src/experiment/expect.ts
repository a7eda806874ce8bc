// Expectations: `downtime < 1s`, `lostWrites == 0`, `writesRecovered == false`. A metric, a comparison and a
// value with its unit; the metrics are the figures of the report.
import { z } from "zod";
import { parseDuration, parsePercent } from "./units.js";

export type Unit = "ms" | "count" | "percent" | "bool";
export type Comparison = "<" | "<=" | ">" | ">=" | "==" | "!=";

const PHASES = ["Before", "During", "After"] as const;
const STATS = ["p50", "p90", "p99", "max"] as const;

/** Every metric an expectation may name, with its unit and meaning (docs/experiments.md explains how each is computed). */
export const METRICS: Record<string, { unit: Unit; meaning: string }> = {
  requests: { unit: "count", meaning: "operations sent" },
  failedRequests: { unit: "count", meaning: "operations without a 2xx answer (errors and timeouts)" },
  failedReads: { unit: "count", meaning: "reads that failed" },
  failedWrites: { unit: "count", meaning: "writes that failed (definitely or indeterminately)" },
  slowRequests: { unit: "count", meaning: "successful operations slower than the scenario's `slow` threshold" },
  availability: { unit: "percent", meaning: "share of 10 ms windows in which requests succeeded" },
  readAvailability: { unit: "percent", meaning: "availability counting reads only" },
  writeAvailability: { unit: "percent", meaning: "availability counting writes only" },
  downtime: { unit: "ms", meaning: "longest run of windows in which every request failed" },
  readDowntime: { unit: "ms", meaning: "downtime counting reads only" },
  writeDowntime: { unit: "ms", meaning: "downtime counting writes only" },
  recovered: { unit: "bool", meaning: "every request of the last second before the first heal succeeded" },
  readsRecovered: { unit: "bool", meaning: "recovered, reads only" },
  writesRecovered: { unit: "bool", meaning: "recovered, writes only" },
  downAtEnd: { unit: "bool", meaning: "the last requests of the run all failed" },
  acknowledgedWrites: { unit: "count", meaning: "writes answered with a committed id" },
  lostWrites: { unit: "count", meaning: "acknowledged writes missing from the primary after healing" },
  indeterminateWrites: { unit: "count", meaning: "writes whose answer never came (may or may not have committed)" },
  writesInFlight: { unit: "count", meaning: "mean writes in flight over the load (the writes' time in flight summed, over the load's length)" },
  wholeAfterHeal: {
    unit: "ms",
    meaning: "time from the end of the first heal until the database tier is whole again on its own: one primary, every other server streaming from it in sync (designs with automatic failover)",
  },
  ...Object.fromEntries(PHASES.flatMap((p) => STATS.map((s) => [`${s}${p}`, { unit: "ms" as Unit, meaning: `${s} latency of successful requests ${p.toLowerCase()} the fault` }]))),
};

/** A parsed expectation. */
export interface Expectation {
  text: string;
  metric: string;
  op: Comparison;
  value: number;
}

/** The outcome of one expectation. */
export interface ExpectationResult extends Expectation {
  /** The measured value; null when the run could not measure it. */
  actual: number | null;
  passed: boolean;
}

const FORM = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(<=|>=|==|!=|<|>)\s*(\S(?:.*\S)?)\s*$/;

/** Parses `metric op value`; returns an error message when it cannot. */
export function parseExpectation(text: string): Expectation | string {
  const m = FORM.exec(text);
  if (!m) return `expected "METRIC OP VALUE" such as "downtime < 1s" or "lostWrites == 0"; got "${text}"`;
  const [, metric, op, raw] = m as unknown as [string, string, Comparison, string];
  const def = METRICS[metric];
  if (!def) return `unknown metric "${metric}"; known: ${Object.keys(METRICS).join(", ")}`;
  const value = parseValue(def.unit, raw);
  if (value === undefined) return `${metric} is ${unitWords(def.unit)}; cannot read "${raw}"`;
  if (def.unit === "bool" && op !== "==" && op !== "!=") return `${metric} is true or false: compare it with == or !=`;
  return { text: text.trim(), metric, op, value };
}

function parseValue(unit: Unit, raw: string): number | undefined {
  switch (unit) {
    case "bool":
      return raw === "true" ? 1 : raw === "false" ? 0 : undefined;
    case "ms":
      return /^\d+(\.\d+)?$/.test(raw) ? undefined : parseDuration(raw);
    case "percent":
      return parsePercent(raw);
    case "count":
      return /^\d+$/.test(raw) ? Number(raw) : undefined;
  }
}

function unitWords(unit: Unit): string {
  return { bool: "true or false", ms: "a duration with its unit (500ms, 2s)", percent: "a percentage (99.5%)", count: "a whole number" }[unit];
}

/** Compares a measured value with an expectation; a value that was not measured fails. */
export function evaluate(exp: Expectation, actual: number | null): ExpectationResult {
  if (actual === null) return { ...exp, actual, passed: false };
  const v = exp.value;
  const passed = { "<": actual < v, "<=": actual <= v, ">": actual > v, ">=": actual >= v, "==": actual === v, "!=": actual !== v }[exp.op];
  return { ...exp, actual, passed };
}

/** A metric's value as people read it ("850 ms", "99.2%", "true"). */
export function formatMetric(metric: string, value: number | null): string {
  if (value === null) return "not measured";
  switch (METRICS[metric]?.unit) {
    case "bool":
      return value ? "true" : "false";
    case "ms":
      return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
    case "percent":
      return `${value.toFixed(value >= 99 ? 2 : 1)}%`;
    default:
      return String(value);
  }
}

/** An expectation written as text in a scenario or challenge file ("downtime < 2s"), parsed, or the parser's message as the issue. */
export const expectationText = z.string().transform((text, ctx) => {
  const e = parseExpectation(text);
  if (typeof e === "string") {
    ctx.addIssue({ code: "custom", message: e });
    return z.NEVER;
  }
  return e;
});
