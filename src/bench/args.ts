// `npm run bench -- [options]`: the command line, and the plan of a quick or a full run.
import { UsageError } from "../spec/errors.js";
import { failoverCases } from "./scenarios.js";
import type { WrkLoad } from "./wrk.js";

const CASE_IDS = failoverCases().map((c) => c.id);

export const GROUPS = ["lifecycle", "serving", "failover", "footprint", "capacity", "rehearsal", "rootless"] as const;
/** Groups that bring up labs of their own (the others share one design-3 lab). */
export const OWN_LAB_GROUPS: readonly Group[] = ["lifecycle", "capacity", "rehearsal", "rootless"];
export type Group = (typeof GROUPS)[number];

/** What one benchmark run does. */
export interface BenchPlan {
  mode: "quick" | "full";
  groups: Group[];
  lifecycle: { runs: number; generatedRuns: number; sizes: number[]; retryBudgetS: number };
  serving: { runs: number; load: WrkLoad };
  failover: { runs: number; cases: string[] | "all" };
  /** Design 3 as root and as STACKLAB_BENCH_USER, `runs` times each, with the serving load. */
  rootless: { runs: number };
}

export interface BenchArgs {
  help: boolean;
  json: boolean;
  /** Only regenerate docs/BENCHMARKS.md from this results file. */
  render?: string;
  plan: BenchPlan;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only GROUPS] [--cases IDS] [--runs N] [--json]
       npm run bench -- --render bench/results/FILE.json

Measures stacklab on real labs (root) and writes bench/results/<date>.json and docs/BENCHMARKS.md.
The rootless group runs as STACKLAB_BENCH_USER (a normal user with subordinate ids who can read this checkout).
  --quick         a short run for checking a change (under 3 minutes): one run of each, two lab sizes, four failover cases, shorter loads, no capacity group
  --only GROUPS   some groups only, separated by commas: ${GROUPS.join(", ")} (a partial run writes bench/results/DATE-only-GROUPS.json and leaves docs/BENCHMARKS.md as it is)
  --cases IDS     some failover cases only, separated by commas: ${CASE_IDS.join(", ")}
  --runs N        runs of every figure (default: 5 for bring-up of the designs, 3 otherwise; 1 with --quick)
  --json          print the results as JSON instead of text
  --render FILE   regenerate docs/BENCHMARKS.md from a results file, without running anything
`;

/** A run that left groups out (`--only`) measured only part of what docs/BENCHMARKS.md shows. */
export function isPartial(groups: readonly string[] | undefined): boolean {
  return groups !== undefined && GROUPS.some((g) => !groups.includes(g) && g !== "capacity");
}

/**
 * The results file's name: `DATE.json` for a full run, `DATE-quick.json` for a quick one, and a partial run's
 * groups after it (`DATE-only-rehearsal.json`), so neither ever replaces a full run's file.
 */
export function resultsName(r: { startedAt: string; mode: "quick" | "full"; groups?: readonly string[] }): string {
  const only = isPartial(r.groups) ? `-only-${r.groups!.join("+")}` : "";
  return `${r.startedAt.slice(0, 10)}${r.mode === "quick" ? "-quick" : ""}${only}.json`;
}

/** The plan of a full or a quick run, before --only and --runs. */
export function defaultPlan(quick: boolean): BenchPlan {
  return quick
    ? {
        mode: "quick",
        // The capacity group brings up about a dozen sized labs one after another: too long for a quick run.
        groups: GROUPS.filter((g) => g !== "capacity"),
        lifecycle: { runs: 1, generatedRuns: 1, sizes: [10, 25], retryBudgetS: 60 },
        serving: { runs: 1, load: { threads: 1, connections: 20, durationS: 3, timeoutS: 2 } },
        failover: { runs: 1, cases: ["lb-crash", "deploy", "reload", "db-crash"] },
        rootless: { runs: 1 },
      }
    : {
        mode: "full",
        groups: [...GROUPS],
        lifecycle: { runs: 5, generatedRuns: 3, sizes: [10, 25, 50], retryBudgetS: 360 },
        serving: { runs: 3, load: { threads: 1, connections: 20, durationS: 5, timeoutS: 2 } },
        failover: { runs: 3, cases: "all" },
        rootless: { runs: 3 },
      };
}

/** Parses the benchmark's arguments; throws UsageError on anything it does not know. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let json = false;
  let help = false;
  let render: string | undefined;
  let only: Group[] | undefined;
  let runs: number | undefined;
  let cases: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") quick = true;
    else if (a === "--json") json = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a === "--render") render = value();
    else if (a === "--only") {
      const names = value()
        .split(",")
        .map((s) => s.trim());
      const bad = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
      if (bad.length) throw new UsageError(`--only: unknown group ${bad.join(", ")}; groups: ${GROUPS.join(", ")}`);
      only = names as Group[];
    } else if (a === "--cases") {
      cases = value()
        .split(",")
        .map((c) => c.trim());
      const bad = cases.filter((c) => !CASE_IDS.includes(c));
      if (bad.length) throw new UsageError(`--cases: unknown case ${bad.join(", ")}; cases: ${CASE_IDS.join(", ")}`);
    } else if (a === "--runs") {
      const v = value();
      runs = Number(v);
      if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new UsageError(`--runs must be a whole number from 1 to 20; got "${v}"`);
    } else throw new UsageError(`unknown argument "${a}"\n${USAGE}`);
  }
  const plan = defaultPlan(quick);
  if (only) plan.groups = GROUPS.filter((g) => only.includes(g));
  if (cases) plan.failover.cases = cases;
  if (runs !== undefined) {
    plan.lifecycle.runs = runs;
    plan.lifecycle.generatedRuns = runs;
    plan.serving.runs = runs;
    plan.failover.runs = runs;
    plan.rootless.runs = runs;
  }
  return { help, json, ...(render ? { render } : {}), plan };
}
