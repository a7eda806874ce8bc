// `stacklab metrics QUERY`: a PromQL query against a running lab's Prometheus.
import type { Command } from "commander";
import { UsageError } from "../../spec/errors.js";
import { resultText } from "../../monitoring/format.js";
import { promQueryRaw, toResult } from "../../monitoring/query.js";
import { output } from "../common.js";

/** Parses --time: an ISO date or Unix seconds. */
function parseTime(text: string): Date {
  const d = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--time ${text} is not a time: give an ISO date (2026-01-31T12:00:00Z) or Unix seconds`);
  return d;
}

export function register(program: Command): void {
  program
    .command("metrics")
    .description("run a PromQL query against a lab's Prometheus and print the result (a table per series)")
    .argument("<query>", "PromQL, e.g. 'up', 'stacklab:site_qps' or 'rate(nginx_http_requests_total[10s])'")
    .option("-n, --name <lab>", "lab (default: the only one running)")
    .option("--time <when>", "evaluate at this time (ISO date or Unix seconds) instead of now")
    .option("--json", "print Prometheus's answer as JSON (resultType and result, values as strings)")
    .action(async (query: string, opts: { name?: string; time?: string; json?: boolean }) => {
      const raw = await promQueryRaw(opts.name, query, opts.time ? parseTime(opts.time) : undefined);
      output(raw, opts.json, (r) => resultText(toResult(r)));
    });
}
