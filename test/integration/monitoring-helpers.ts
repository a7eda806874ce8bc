// Helpers for the monitoring lab tests: JSON from the CLI, and polling until targets are up or an alert fires.
import { cli } from "./helpers.js";

export { expectedTargets } from "../../src/monitoring/query.js";

/** A firing alert as `stacklab status --json` reports it. */
export interface Firing {
  name: string;
  severity: string;
  summary: string;
  labels: Record<string, string>;
}

/** Runs `stacklab ARGS` and parses its JSON output; throws with its output when it fails. */
export function labJson<T>(args: string[]): T {
  const r = cli(args, 30_000);
  if (r.code !== 0) throw new Error(`stacklab ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Polls `metrics up` until every expected job/instance is 1; throws naming those that are not. */
export async function waitForTargetsUp(lab: string, expected: { job: string; instance: string }[], timeoutMs = 40_000): Promise<{ job: string; instance: string }[]> {
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = [];
  for (;;) {
    const r = labJson<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(["metrics", "up", "--name", lab, "--json"]);
    const up = new Set(r.result.filter((s) => s.value[1] === "1").map((s) => `${s.metric.job}/${s.metric.instance}`));
    missing = expected.map((e) => `${e.job}/${e.instance}`).filter((k) => !up.has(k));
    if (!missing.length) return expected;
    if (Date.now() > deadline) throw new Error(`targets not up after ${timeoutMs / 1000} s: ${missing.join(", ")}`);
    await sleep(1000);
  }
}

/** Polls `status --json` until a firing alert matches (or, with gone, until none does); returns the match. */
export async function waitForAlert(lab: string, match: (a: Firing) => boolean, opts: { gone?: boolean; timeoutMs?: number } = {}): Promise<Firing> {
  const timeoutMs = opts.timeoutMs ?? 40_000;
  const deadline = Date.now() + timeoutMs;
  let last: Firing[] = [];
  for (;;) {
    const status = labJson<{ alerts: { firing: Firing[]; error?: string } | null }>(["status", "--name", lab, "--json"]);
    last = status.alerts?.firing ?? [];
    const found = last.find(match);
    if (opts.gone ? !found : found) return found ?? ({} as Firing);
    if (Date.now() > deadline)
      throw new Error(
        `alert ${opts.gone ? "still firing" : "not firing"} after ${timeoutMs / 1000} s; firing: ${JSON.stringify(last.map((a) => [a.name, a.labels.instance]))}${status.alerts?.error ? `; error: ${status.alerts.error}` : ""}`,
      );
    await sleep(1000);
  }
}
