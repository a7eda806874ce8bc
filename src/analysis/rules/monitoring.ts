// Observability: whether anything collects metrics, covers every server, and alerts on traffic and errors.
import type { Finding } from "../types.js";
import { list } from "../words.js";
import type { RuleContext } from "./context.js";

/** Raises `monitoring.none`, `monitoring.unmonitored-hosts`, `monitoring.no-qps-alert`, `monitoring.no-error-alert` and `monitoring.alerts` (info). */
export function monitoringRules(ctx: RuleContext): Finding[] {
  const { model } = ctx;
  const servers = model.hosts.filter((h) => h.kind === "server");
  if (model.monitoring.system === "none" || !model.monitoring.host)
    return [
      {
        id: "monitoring.none",
        severity: "high",
        category: "observability",
        title: "no monitoring",
        elements: servers.map((h) => h.name),
        evidence: `monitoring.system is none: no exporter runs on ${list(servers.map((h) => h.name))} and nothing collects metrics or sends alerts`,
        impact: "failures and overloads are found by visitors first; there is no history to tell why the site was slow or down",
        remedy: "set monitoring.system: prometheus (exporters on every server, alerts on QPS and error rate)",
      },
    ];
  const out: Finding[] = [];
  const blind = servers.filter((h) => !h.monitored).map((h) => h.name);
  if (blind.length)
    out.push({
      id: "monitoring.unmonitored-hosts",
      severity: "medium",
      category: "observability",
      title: "some servers are not monitored",
      elements: blind,
      evidence: `${list(blind)} run${blind.length === 1 ? "s" : ""} no exporter, so ${model.monitoring.host} collects nothing from ${blind.length === 1 ? "it" : "them"}`,
      impact: "a failure or overload on these servers raises no alert",
      remedy: "run the exporters on every server",
    });
  const { qpsAlert, errorRateAlert } = model.monitoring;
  const qpsOn = qpsAlert !== undefined;
  const errorsOn = errorRateAlert !== undefined;
  if (!qpsOn) out.push(noAlert("monitoring.no-qps-alert", "requests per second", "monitoring.qpsAlert", "a traffic surge"));
  if (!errorsOn) out.push(noAlert("monitoring.no-error-alert", "share of 5xx answers", "monitoring.errorRateAlert", "a broken deploy or a failing tier"));
  if (qpsOn || errorsOn)
    out.push({
      id: "monitoring.alerts",
      severity: "info",
      category: "observability",
      title: "alerts configured",
      elements: [model.monitoring.host],
      evidence: `Prometheus on ${model.monitoring.host} scrapes ${list(servers.filter((h) => h.monitored).map((h) => h.name))}${qpsOn ? `; alerts when the site serves more than ${qpsAlert} requests per second` : ""}${errorsOn ? `; alerts when more than ${((errorRateAlert ?? 0) * 100).toFixed(1)}% of answers are 5xx` : ""}`,
      impact: "operators hear about overloads and errors before most visitors complain",
      remedy: "nothing to change; tune the thresholds to the site's normal traffic",
    });
  return out;
}

function noAlert(id: string, what: string, key: string, example: string): Finding {
  return {
    id,
    severity: "medium",
    category: "observability",
    title: `no alert on the ${what}`,
    elements: [key],
    evidence: `${key} is set so that it never fires: metrics are collected but nobody is told when the ${what} goes out of range`,
    impact: `${example} shows up in the graphs but nobody is paged`,
    remedy: `set ${key} to a threshold the site should not cross`,
  };
}
