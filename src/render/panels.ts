// The dashboard's charts as PromQL: QPS, latency and error rate for the site and per tier, chosen from what a design runs.
import type { Model } from "../model/types.js";
import { errorSource, RATE_WINDOW } from "./config/alert-rules.js";
import { scrapeJobs } from "./config/prometheus.js";

/** How a panel's values read: requests per second, seconds, or a share (0..1). */
export type PanelUnit = "reqps" | "seconds" | "ratio";

/** One line of a chart. With `byInstance`, the query keeps `instance` and each host gets its own line. */
export interface SeriesDef {
  id: string;
  label: string;
  expr: string;
  byInstance?: boolean;
}

/** One chart: a title, a unit, its lines, and a sentence saying where the figures come from. */
export interface Panel {
  id: string;
  title: string;
  unit: PanelUnit;
  help: string;
  series: SeriesDef[];
}

/** The label that tags each series in the combined query. */
export const SERIES_LABEL = "stacklab_series";

const W = RATE_WINDOW;
const rate = (sel: string) => `rate(${sel}[${W}])`;
const quantile = (q: number, by = "le") => `histogram_quantile(${q}, sum by (${by}) (${rate("foobar_http_request_duration_seconds_bucket")}))`;
// x / y, but 0 rather than NaN when nothing was asked (an idle site has no errors)
const ratio = (num: string, den: string) => `(${num} or vector(0)) / clamp_min(${den}, 1e-9)`;

/** The charts a design's monitoring can fill, in page order; empty without monitoring. */
export function dashboardPanels(model: Model): Panel[] {
  const jobs = new Set(scrapeJobs(model).map((j) => j.job));
  if (!jobs.size) return [];
  const lbHttp = errorSource(model) === "haproxy";
  const hasApp = jobs.has("app");
  const panels: Panel[] = [];

  const qps: SeriesDef[] = [];
  if (lbHttp) qps.push({ id: "site", label: "site (load balancer)", expr: `sum(${rate('haproxy_frontend_http_requests_total{proxy="www"}')})` });
  if (jobs.has("nginx")) qps.push({ id: "web", label: lbHttp ? "web tier (nginx)" : "site (nginx)", expr: `sum(${rate("nginx_http_requests_total")})` });
  if (hasApp) qps.push({ id: "app", label: "app tier", expr: `sum(${rate("foobar_http_requests_total")})` });
  if (jobs.has("mysqld")) qps.push({ id: "db", label: "db queries", expr: `sum(${rate("mysql_global_status_queries")})` });
  if (qps.length)
    panels.push({
      id: "qps",
      title: "Requests per second",
      unit: "reqps",
      help: "what users ask of the site, and what each tier answers (nginx counts the load balancers' health checks too)",
      series: qps,
    });

  const perHost: SeriesDef[] = [];
  if (jobs.has("nginx")) perHost.push({ id: "web-host", label: "nginx", expr: `sum by (instance) (${rate("nginx_http_requests_total")})`, byInstance: true });
  if (hasApp) perHost.push({ id: "app-host", label: "app", expr: `sum by (instance) (${rate("foobar_http_requests_total")})`, byInstance: true });
  if (perHost.length) panels.push({ id: "qps-host", title: "Requests per second, by server", unit: "reqps", help: "a crashed server drops to nothing; the others take its share", series: perHost });

  const latency: SeriesDef[] = [];
  if (hasApp) latency.push({ id: "p50", label: "app p50", expr: quantile(0.5) }, { id: "p95", label: "app p95", expr: quantile(0.95) }, { id: "p99", label: "app p99", expr: quantile(0.99) });
  if (lbHttp) latency.push({ id: "lb-avg", label: "load balancer, average", expr: `max(haproxy_backend_total_time_average_seconds{proxy="web"})` });
  if (latency.length)
    panels.push({ id: "latency", title: "Latency", unit: "seconds", help: "time to answer: the app's percentiles from its histogram, HAProxy's average over its last requests", series: latency });

  const errors: SeriesDef[] = [];
  const code5xx = 'haproxy_frontend_http_responses_total{proxy="www",code="5xx"}';
  if (lbHttp) errors.push({ id: "site-5xx", label: "site 5xx", expr: ratio(`sum(${rate(code5xx)})`, `sum(${rate('haproxy_frontend_http_responses_total{proxy="www"}')})`) });
  if (hasApp) errors.push({ id: "app-5xx", label: "app 5xx", expr: ratio(`sum(${rate('foobar_http_requests_total{status=~"5.."}')})`, `sum(${rate("foobar_http_requests_total")})`) });
  if (errors.length) panels.push({ id: "errors", title: "Error rate", unit: "ratio", help: "share of answers that were server errors (5xx)", series: errors });
  return panels;
}

/** One PromQL expression returning every series of every panel, each tagged with its id in SERIES_LABEL. */
export function combinedQuery(panels: readonly Panel[]): string {
  return panels
    .flatMap((p) => p.series)
    .map((s) => `label_replace(${s.expr}, "${SERIES_LABEL}", "${s.id}", "", "")`)
    .join(" or ");
}

/** The key of one line on the page: the series id, plus the host for per-instance series. */
export function lineKey(series: SeriesDef, instance: string | undefined): string {
  return series.byInstance && instance ? `${series.id}:${instance}` : series.id;
}
