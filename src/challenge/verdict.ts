// What a check found, in a learner's words with the numbers: pure functions from the reports of the
// experiments, the audit and the plan to lines that passed or failed.
import type { Finding } from "../analysis/types.js";
import type { AuditReport } from "../audit/types.js";
import { formatMetric, type ExpectationResult } from "../experiment/expect.js";
import type { ExperimentReport } from "../experiment/report.js";
import type { ChallengeCheck } from "./schema.js";

export interface VerdictLine {
  passed: boolean;
  text: string;
}

/** One check of a challenge, as it ran. */
export interface CheckVerdict {
  kind: ChallengeCheck["kind"];
  /** What the check proves (from the challenge). */
  says: string;
  passed: boolean;
  lines: VerdictLine[];
  /** Facts that help read the lines (requests sent, the scenario run...). */
  context: string[];
  durationMs: number;
}

/** A whole `challenge check`. */
export interface Verdict {
  challenge: string;
  lab: string;
  at: string;
  passed: boolean;
  checks: CheckVerdict[];
}

/** The figures of an experiment, as a learner says them. */
const WORDS: Record<string, string> = {
  requests: "requests sent",
  failedRequests: "requests that failed",
  failedReads: "page reads that failed",
  failedWrites: "writes that failed",
  slowRequests: "requests slower than the slow threshold",
  availability: "share of the time the site answered",
  readAvailability: "share of the time pages could be read",
  writeAvailability: "share of the time writes went through",
  downtime: "longest time the site was down",
  readDowntime: "longest time pages could not be read",
  writeDowntime: "longest time writes failed",
  recovered: "the site answered again by itself, before anyone repaired the fault",
  readsRecovered: "pages answered again by itself, before anyone repaired the fault",
  writesRecovered: "writes went through again by themselves, before anyone repaired the fault",
  downAtEnd: "the site was still down at the end of the run",
  acknowledgedWrites: "writes the site confirmed",
  lostWrites: "confirmed writes missing from the database afterwards",
  indeterminateWrites: "writes whose answer never came",
};

function opWords(op: string, value: string): string {
  return { "<": `under ${value}`, "<=": `at most ${value}`, ">": `over ${value}`, ">=": `at least ${value}`, "==": value, "!=": `anything but ${value}` }[op] ?? `${op} ${value}`;
}

/** One expectation's result as a sentence: the measured value, and what was needed. */
export function expectationLine(r: ExpectationResult): VerdictLine {
  const words = WORDS[r.metric] ?? r.metric;
  const measured = formatMetric(r.metric, r.actual);
  const needed = formatMetric(r.metric, r.value);
  const yesNo = (v: string) => (v === "true" ? "yes" : v === "false" ? "no" : v);
  if (r.actual !== null && (measured === "true" || measured === "false")) {
    return { passed: r.passed, text: `${words}: ${yesNo(measured)} (needed: ${yesNo(opWords(r.op, needed))})` };
  }
  return { passed: r.passed, text: `${words}: ${measured} (needed: ${opWords(r.op, needed)})` };
}

/** An experiment's report judged by a challenge's expectations (those of the report itself are replaced). */
export function experimentVerdict(report: ExperimentReport, results: ExpectationResult[]): { lines: VerdictLine[]; context: string[] } {
  const m = report.metrics;
  const context = [
    `${report.scenario.description} (${report.steps.map((s) => `+${(s.at / 1000).toFixed(0)} s ${s.text}`).join(", ")})`,
    `${m.requests ?? 0} requests from the visitor's host, ${m.failedRequests ?? 0} failed, longest outage ${formatMetric("downtime", m.downtime ?? null)}`,
  ];
  if (report.writes) context.push(`${report.writes.acknowledged} writes confirmed, ${report.writes.lost ?? "unknown"} lost, ${report.writes.indeterminate} without an answer`);
  for (const s of report.steps.filter((x) => !x.ok)) context.push(`the step "${s.text}" could not run: ${s.error}`);
  const lines = results.map(expectationLine);
  for (const s of report.steps.filter((x) => !x.ok)) lines.push({ passed: false, text: `the experiment could not ${s.text}: ${s.error}` });
  return { lines, context };
}

/** The audit's checks a challenge names: each must pass (a warning is not a pass). */
export function auditVerdict(report: AuditReport, ids: string[]): VerdictLine[] {
  return ids.map((id) => {
    const c = report.checks.find((x) => x.id === id);
    if (!c) return { passed: false, text: `${id}: the audit did not report this check` };
    const evidence =
      c.status === "pass"
        ? ""
        : c.details
            .filter((d) => !d.startsWith("encrypted:") && !d.startsWith("no readable"))
            .slice(0, 3)
            .map((d) => `; ${d}`)
            .join("");
    return { passed: c.status === "pass", text: `${c.title} (${c.status}): ${c.summary}${evidence}` };
  });
}

/** The plan's findings that must be gone: an id, or the beginning of ids (`spof.host` covers `spof.host.lb-1`). */
export function planVerdict(findings: Finding[], without: string[]): VerdictLine[] {
  return without.map((w) => {
    const found = findings.filter((f) => f.id === w || f.id.startsWith(`${w}.`));
    if (!found.length) return { passed: true, text: `plan finds no ${w} problem` };
    return { passed: false, text: `plan still finds: ${found.map((f) => `${f.title} (${f.severity})`).join("; ")}` };
  });
}

/** A check passes when it has lines and every line passed. */
export function checkPassed(lines: VerdictLine[]): boolean {
  return lines.length > 0 && lines.every((l) => l.passed);
}

/** A server of the design as the saturation check sees it: its name and size (none: the whole machine). */
export interface SizedServer {
  host: string;
  size?: { cpu: number; memoryBytes: number };
}

const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)}Mi`;

/** Every server no bigger than the challenge's size: one line per server that is bigger or has no size, else one line. */
export function sizeVerdict(servers: readonly SizedServer[], limit: { cpu: number; memoryBytes: number }): VerdictLine[] {
  const wanted = `${limit.cpu} core${limit.cpu === 1 ? "" : "s"} and ${mib(limit.memoryBytes)}`;
  if (!servers.length) return [{ passed: false, text: "the design has no servers" }];
  const bad = servers.flatMap((s): VerdictLine[] => {
    if (!s.size) return [{ passed: false, text: `${s.host} has no size, so it may use the whole machine (needed: size at most ${wanted})` }];
    const over = [s.size.cpu > limit.cpu ? `${s.size.cpu} cores` : "", s.size.memoryBytes > limit.memoryBytes ? `${mib(s.size.memoryBytes)} of memory` : ""].filter(Boolean);
    return over.length ? [{ passed: false, text: `${s.host} is bigger than allowed: ${over.join(" and ")} (needed: at most ${wanted})` }] : [];
  });
  const which = servers.length === 1 ? servers[0]!.host : `all ${servers.length} servers`;
  return bad.length ? bad : [{ passed: true, text: `${which} ${servers.length === 1 ? "is" : "are"} no bigger than ${wanted}` }];
}

/** The one step of load at the challenge's rate, judged as `saturate` judges a step, in a learner's words. Pure. */
export function saturationVerdict(
  step: {
    offered: number;
    achieved: number;
    requests: number;
    p50Ms: number | null;
    p99Ms: number | null;
    errorPct: number;
    hosts: readonly { host: string; cores: number; utilisation: number | null }[];
  },
  target: { p99Ms: number; maxErrorPct: number },
): { lines: VerdictLine[]; context: string[] } {
  const ms = (v: number | null) => (v === null ? "none answered" : `${Math.round(v)} ms`);
  const context = [
    `${step.requests} requests offered at ${step.offered} requests/s from the visitor's host (open-loop: sent on time whatever the answers), p50 ${ms(step.p50Ms)}`,
    ...(step.hosts.length ? [`CPU against size: ${step.hosts.map((h) => `${h.host} ${h.utilisation === null ? `${h.cores} cores` : `${Math.round(h.utilisation * 100)}%`}`).join(", ")}`] : []),
  ];
  const lines: VerdictLine[] = [
    { passed: step.achieved >= step.offered * 0.9, text: `requests answered per second: ${step.achieved} of ${step.offered} offered (needed: at least ${Math.ceil(step.offered * 0.9)})` },
    { passed: step.p99Ms !== null && step.p99Ms <= target.p99Ms, text: `99th percentile latency: ${ms(step.p99Ms)} (needed: at most ${target.p99Ms} ms)` },
    { passed: step.errorPct <= target.maxErrorPct, text: `requests that failed: ${step.errorPct.toFixed(1)}% (needed: at most ${target.maxErrorPct}%)` },
  ];
  return { lines, context };
}
