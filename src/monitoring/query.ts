// The query API of a lab's monitoring: PromQL (instant and range), alerts and scrape targets, as typed values.
import type { Model } from "../model/types.js";
import { scrapeJobs } from "../render/config/prometheus.js";
import { apiGet } from "./http.js";
import type { LabRef } from "./handle.js";
import type { LabAlert, Labels, PromResult, PromSample, PromSeries, ScrapeTarget } from "./types.js";

export type { LabAlert, Labels, PromResult, PromSample, PromSeries, ScrapeTarget } from "./types.js";
export { handleFor, resolveMonitoring, MonitoringUnavailableError, type LabRef, type MonitoringHandle } from "./handle.js";
export { PromQueryError } from "./http.js";

type Raw = [number, string];
interface ApiData<T> {
  status: "success";
  data: T;
  warnings?: string[];
}

/** A sample value as Prometheus writes it ("1", "NaN", "+Inf") as a number. */
export function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/** Converts Prometheus's raw `data` of a query answer into a typed result. */
export function toResult(data: { resultType: string; result: unknown }): PromResult {
  switch (data.resultType) {
    case "vector":
      return { type: "vector", samples: (data.result as { metric: Labels; value: Raw }[]).map((r) => ({ metric: r.metric, time: r.value[0], value: parseValue(r.value[1]) })) };
    case "matrix":
      return {
        type: "matrix",
        series: (data.result as { metric: Labels; values: Raw[] }[]).map((r) => ({ metric: r.metric, points: r.values.map(([time, v]) => ({ time, value: parseValue(v) })) })),
      };
    case "scalar": {
      const [time, v] = data.result as Raw;
      return { type: "scalar", time, value: parseValue(v) };
    }
    default: {
      const [time, v] = data.result as Raw;
      return { type: "string", time, value: v };
    }
  }
}

/** Prometheus's raw answer to an instant query (`data` of /api/v1/query), for `--json`. */
export async function promQueryRaw(lab: LabRef, expr: string, at?: Date): Promise<{ resultType: string; result: unknown }> {
  const params: Record<string, string> = { query: expr };
  if (at) params.time = String(at.getTime() / 1000);
  return (await apiGet<ApiData<{ resultType: string; result: unknown }>>(lab, "prometheus", "/api/v1/query", params)).data;
}

/** Runs a PromQL instant query in the lab (at `at`, default now). Throws PromQueryError (a UsageError) on a bad query. */
export async function promQuery(lab: LabRef, expr: string, at?: Date): Promise<PromResult> {
  return toResult(await promQueryRaw(lab, expr, at));
}

/** Runs an instant query that must give a vector (most do) and returns its samples. */
export async function promVector(lab: LabRef, expr: string, at?: Date): Promise<PromSample[]> {
  const r = await promQuery(lab, expr, at);
  if (r.type === "vector") return r.samples;
  if (r.type === "scalar") return [{ metric: {}, value: r.value, time: r.time }];
  throw new Error(`query ${expr} gave a ${r.type}, not a vector`);
}

/** Runs a PromQL range query from `start` to `end` (default now) every `stepS` seconds (default 2). */
export async function promRange(lab: LabRef, expr: string, range: { start: Date; end?: Date; stepS?: number }): Promise<PromSeries[]> {
  const end = range.end ?? new Date();
  const params = { query: expr, start: String(range.start.getTime() / 1000), end: String(end.getTime() / 1000), step: String(range.stepS ?? 2) };
  const r = toResult((await apiGet<ApiData<{ resultType: string; result: unknown }>>(lab, "prometheus", "/api/v1/query_range", params)).data);
  return r.type === "matrix" ? r.series : [];
}

interface RawAlert {
  labels: Labels;
  annotations: Labels;
  state: string;
  activeAt: string;
  value: string;
}

/** Alerts of the lab's rules that are pending or firing, as Prometheus evaluates them now. */
export async function activeAlerts(lab: LabRef): Promise<LabAlert[]> {
  const raw = (await apiGet<ApiData<{ alerts: RawAlert[] }>>(lab, "prometheus", "/api/v1/alerts")).data.alerts;
  return raw
    .filter((a) => a.state === "pending" || a.state === "firing")
    .map((a) => ({
      name: a.labels.alertname ?? "",
      state: a.state as LabAlert["state"],
      severity: a.labels.severity ?? "",
      summary: a.annotations.summary ?? "",
      description: a.annotations.description ?? "",
      labels: a.labels,
      activeAt: a.activeAt,
      value: parseValue(a.value),
    }))
    .sort((x, y) => x.activeAt.localeCompare(y.activeAt) || x.name.localeCompare(y.name));
}

/** Alerts firing now (their condition held for the rule's `for`), oldest first. */
export async function firingAlerts(lab: LabRef): Promise<LabAlert[]> {
  return (await activeAlerts(lab)).filter((a) => a.state === "firing");
}

/** Every scrape target and its health as Prometheus last saw it, by job then instance. */
export async function scrapeTargets(lab: LabRef): Promise<ScrapeTarget[]> {
  const raw = (
    await apiGet<ApiData<{ activeTargets: { labels: Labels; health: ScrapeTarget["health"]; scrapeUrl: string; lastScrape: string; lastError: string }[] }>>(lab, "prometheus", "/api/v1/targets", {
      state: "active",
    })
  ).data.activeTargets;
  return raw
    .map((t) => ({ job: t.labels.job ?? "", instance: t.labels.instance ?? "", health: t.health, url: t.scrapeUrl, lastScrape: t.lastScrape, lastError: t.lastError }))
    .sort((a, b) => a.job.localeCompare(b.job) || a.instance.localeCompare(b.instance));
}

/** The targets a design's Prometheus should scrape, as job and instance (host name), in the config's order. */
export function expectedTargets(model: Model): { job: string; instance: string }[] {
  return scrapeJobs(model).flatMap((j) => j.targets.map((t) => ({ job: j.job, instance: t.instance })));
}
