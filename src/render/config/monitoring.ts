// The monitoring files of one host: Prometheus, its rules and Alertmanager on the monitoring host, exporter credentials on db hosts.
import type { Host, Model } from "../../model/index.js";
import { renderAlertmanager } from "./alertmanager.js";
import { renderAlertRules } from "./alert-rules.js";
import { renderMysqldExporterCnf } from "./mysqld-exporter.js";
import { renderPrometheus } from "./prometheus.js";
import type { RenderedFile, Secrets } from "./types.js";

/** Renders the monitoring files a host needs (none when the design has no monitoring). */
export function renderMonitoring(model: Model, host: Host, secrets: Secrets): RenderedFile[] {
  if (!model.monitoring.host) return [];
  const files: RenderedFile[] = [];
  if (host.roles.includes("monitor")) files.push(renderPrometheus(model), renderAlertRules(model), renderAlertmanager(model));
  if (host.monitored && host.roles.includes("db")) files.push(renderMysqldExporterCnf(model, secrets));
  return files;
}
