// The alert rules of a monitored design: which conditions are worth waking someone for, as PromQL.
import type { Model } from "../../model/index.js";
import { header, text } from "./common.js";
import { MONITORING_FILES, SCRAPE_INTERVAL_S, scrapeJobs, yamlString as q } from "./prometheus.js";
import type { RenderedFile } from "./types.js";

/** A recording rule: a named query evaluated with the alerts, for alerts and dashboards to share. */
export interface RecordingRule {
  record: string;
  expr: string;
}

/** An alert rule, with the words shown to whoever receives it. */
export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires ("0s": at once). */
  for: string;
  severity: "critical" | "warning" | "info";
  summary: string;
  description: string;
}

/** Window of the rate() behind QPS and error ratio: five scrapes, so a burst shows within seconds. */
export const RATE_WINDOW = "10s";
/** A replica further behind its primary than this many seconds is lagging. */
export const REPLICATION_LAG_ALERT_S = 5;
/** FailoverHappened stays firing this long after a failover, so people notice it. */
export const FAILOVER_ALERT_WINDOW_S = 300;

/** Names of the recorded series. */
export const RECORDED = { siteQps: "stacklab:site_qps", errorRatio: "stacklab:error_ratio" } as const;

/** Where the share of 5xx answers comes from: HAProxy's frontend (users' view), the demo app, or nowhere. */
export function errorSource(model: Model): "haproxy" | "app" | null {
  if (model.loadBalancer && model.tls.mode !== "passthrough") return "haproxy";
  if (model.app.type === "demo" && model.hosts.some((h) => h.roles.includes("app"))) return "app";
  return null;
}

const hasJob = (model: Model, job: string) => scrapeJobs(model).some((j) => j.job === job);

/** The recording rules of a monitored design. */
export function recordingRules(model: Model): RecordingRule[] {
  const rules: RecordingRule[] = [];
  if (hasJob(model, "nginx")) rules.push({ record: RECORDED.siteQps, expr: `sum(rate(nginx_http_requests_total[${RATE_WINDOW}]))` });
  const source = errorSource(model);
  if (source === "haproxy")
    rules.push({
      record: RECORDED.errorRatio,
      expr: `sum(rate(haproxy_frontend_http_responses_total{proxy="www",code="5xx"}[${RATE_WINDOW}])) / sum(rate(haproxy_frontend_http_responses_total{proxy="www"}[${RATE_WINDOW}]))`,
    });
  else if (source === "app")
    rules.push({ record: RECORDED.errorRatio, expr: `sum(rate(foobar_http_requests_total{status=~"5.."}[${RATE_WINDOW}])) / sum(rate(foobar_http_requests_total[${RATE_WINDOW}]))` });
  return rules;
}

/** Floating IPs of the design with the host that holds each one first. */
function floatingHomes(model: Model): { address: string; home: string }[] {
  return model.entryPoints.filter((e) => e.kind === "floating").map((e) => ({ address: e.address, home: e.holders[0]! }));
}

/** The alert rules of a monitored design, in a fixed order; rules whose source the design lacks are left out. */
export function alertRules(model: Model): AlertRule[] {
  if (!model.monitoring.host) return [];
  const rules: AlertRule[] = [];
  const forS = (n: number) => `${n * SCRAPE_INTERVAL_S}s`;
  rules.push({
    alert: "HostDown",
    expr: 'up{job="node"} == 0',
    for: forS(2),
    severity: "critical",
    summary: "host {{ $labels.instance }} is down",
    description: "The node exporter on {{ $labels.instance }} has not answered for two scrapes: the host crashed or is cut off.",
  });
  rules.push({
    alert: "ServiceDown",
    expr: 'up{job!="node"} == 0 unless on (instance) up{job="node"} == 0',
    for: forS(2),
    severity: "critical",
    summary: "{{ $labels.job }} on {{ $labels.instance }} does not answer",
    description: "Prometheus cannot scrape the {{ $labels.job }} endpoint on {{ $labels.instance }} although the host itself answers: the service or its exporter stopped.",
  });
  if (model.loadBalancer)
    rules.push({
      alert: "BackendDown",
      expr: 'haproxy_server_status{state="DOWN"} == 1',
      for: "0s",
      severity: "critical",
      summary: "{{ $labels.instance }} took web server {{ $labels.server }} out of rotation",
      description: "HAProxy on {{ $labels.instance }} marks {{ $labels.server }} (backend {{ $labels.proxy }}) DOWN after failed health checks; users are served by the others.",
    });
  const vips = floatingHomes(model);
  if (vips.length) {
    rules.push({
      alert: "FloatingIpMoved",
      expr: vips.map((v) => `node_network_address_info{address="${v.address}",instance!="${v.home}"}`).join(" or "),
      for: "0s",
      severity: "warning",
      summary: "floating IP {{ $labels.address }} moved to {{ $labels.instance }}",
      description: "keepalived moved the entry address {{ $labels.address }} away from the load balancer that holds it normally; that one failed or lost its HAProxy.",
    });
    rules.push({
      alert: "FloatingIpDuplicated",
      expr: `count by (address) (node_network_address_info{address=~"${vips.map((v) => v.address.replace(/\./g, "\\\\.")).join("|")}"}) > 1`,
      for: forS(2),
      severity: "critical",
      summary: "floating IP {{ $labels.address }} is held by {{ $value }} hosts",
      description: "More than one load balancer holds {{ $labels.address }} (split brain): the VRRP adverts between them are not getting through.",
    });
  }
  if (hasJob(model, "mysqld")) {
    rules.push({
      alert: "DatabaseDown",
      expr: "mysql_up == 0",
      for: forS(2),
      severity: "critical",
      summary: "MariaDB on {{ $labels.instance }} does not answer",
      description: "The MariaDB exporter on {{ $labels.instance }} cannot reach the server over its local socket.",
    });
    if (model.database.replicas.length) {
      rules.push({
        alert: "ReplicationBroken",
        expr: "mysql_slave_status_slave_io_running == 0 or mysql_slave_status_slave_sql_running == 0",
        for: forS(2),
        severity: "critical",
        summary: "replication on {{ $labels.instance }} is stopped",
        description: "A replication thread on {{ $labels.instance }} (following {{ $labels.master_host }}) is not running: the replica no longer receives or applies the primary's changes.",
      });
      rules.push({
        alert: "ReplicationLagging",
        expr: `mysql_slave_status_seconds_behind_master > ${REPLICATION_LAG_ALERT_S}`,
        for: forS(3),
        severity: "warning",
        summary: "replica {{ $labels.instance }} is {{ $value }} s behind",
        description: `{{ $labels.instance }} applies the primary's changes more than ${REPLICATION_LAG_ALERT_S} s late: reads there are stale, and a failover now could lose writes.`,
      });
    }
  }
  if (hasJob(model, "etcd")) {
    const n = model.database.etcd.length;
    const quorum = Math.floor(n / 2) + 1;
    rules.push({
      alert: "EtcdMemberDown",
      expr: 'up{job="etcd"} == 0 or etcd_server_has_leader{job="etcd"} == 0',
      for: forS(2),
      severity: "warning",
      summary: "etcd member on {{ $labels.instance }} is down or has no leader",
      description: `The etcd member on {{ $labels.instance }} does not answer or sees no leader. The cluster of ${n} keeps its quorum of ${quorum} with one member down; one more and failover stops.`,
    });
    rules.push({
      alert: "EtcdQuorumLost",
      expr: `count(up{job="etcd"} == 1 and on (instance) etcd_server_has_leader{job="etcd"} == 1) < ${quorum} or absent(etcd_server_has_leader{job="etcd"} == 1)`,
      for: forS(2),
      severity: "critical",
      summary: "etcd has lost its quorum: automatic database failover cannot act",
      description: `Fewer than ${quorum} of the ${n} etcd members answer with a leader: no failover controller can hold the leader lease, so a failed database primary is not replaced until the quorum is back.`,
    });
  }
  if (model.database.failover === "automatic" && model.database.controller)
    rules.push({
      alert: "FailoverHappened",
      expr: `time() - stacklab_failover_last_timestamp_seconds < ${FAILOVER_ALERT_WINDOW_S}`,
      for: "0s",
      severity: "warning",
      summary: "database failover: {{ $labels.to }} replaced {{ $labels.from }} as primary",
      description: `The failover controller on {{ $labels.instance }} promoted {{ $labels.to }}. This alert stays on for ${FAILOVER_ALERT_WINDOW_S} s; look at why {{ $labels.from }} failed.`,
    });
  const qps = model.monitoring.qpsAlert;
  if (qps !== undefined && hasJob(model, "nginx"))
    rules.push({
      alert: "HighQps",
      expr: `${RECORDED.siteQps} > ${qps}`,
      for: forS(1),
      severity: "warning",
      summary: "the site serves {{ $value | humanize }} requests/s (limit " + String(qps) + ")",
      description: `The web servers together answer more than ${qps} requests per second (over ${RATE_WINDOW}); the design was sized for less.`,
    });
  const errorRate = model.monitoring.errorRateAlert;
  if (errorRate !== undefined && errorSource(model))
    rules.push({
      alert: "HighErrorRate",
      expr: `${RECORDED.errorRatio} > ${errorRate}`,
      for: forS(2),
      severity: "critical",
      summary: "{{ $value | humanizePercentage }} of answers are server errors (limit " + `${errorRate * 100}%)`,
      description: `More than ${errorRate * 100}% of the answers over ${RATE_WINDOW} are 5xx (measured at ${errorSource(model) === "haproxy" ? "the load balancers" : "the app servers"}).`,
    });
  return rules;
}

/** Renders /etc/prometheus/rules/stacklab.yml: recording rules first, then the alerts, in one group. */
export function renderAlertRules(model: Model): RenderedFile {
  const lines = [
    header(model),
    "# Alert rules of the lab. One group: recording rules are evaluated first, so the alerts read fresh values.",
    "# Each rule is tested with `promtool test rules` (test/unit/alert-rules.test.ts).",
    "groups:",
    "  - name: stacklab",
    `    interval: ${SCRAPE_INTERVAL_S}s`,
    "    rules:",
    ...recordingRules(model).flatMap((r) => [`      - record: ${r.record}`, `        expr: ${q(r.expr)}`]),
    ...alertRules(model).flatMap((r) => [
      `      - alert: ${r.alert}`,
      `        expr: ${q(r.expr)}`,
      `        for: ${r.for}`,
      "        labels:",
      `          severity: ${r.severity}`,
      "        annotations:",
      `          summary: ${q(r.summary)}`,
      `          description: ${q(r.description)}`,
    ]),
  ];
  return { path: MONITORING_FILES.rules, content: text(lines) };
}
