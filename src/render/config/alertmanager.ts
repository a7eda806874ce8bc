// alertmanager.yml for the monitoring host: receives Prometheus's alerts, groups them and keeps them for `stacklab status`.
import type { Model } from "../../model/index.js";
import { header, text } from "./common.js";
import { MONITORING_FILES } from "./prometheus.js";
import type { RenderedFile } from "./types.js";

/** Renders /etc/prometheus/alertmanager.yml. The lab sends no mail: alerts are read back through the API. */
export function renderAlertmanager(model: Model): RenderedFile {
  const lines = [
    header(model),
    `# Alertmanager on ${model.monitoring.host}: Prometheus on the same host sends it every firing alert.`,
    "# The lab has no mail server or chat to notify, so the only receiver delivers nowhere; the alerts",
    "# stay visible in Alertmanager's API, which `stacklab status` reads. A real deployment would add",
    "# email_configs or webhook_configs to the receiver below.",
    "",
    "route:",
    "  receiver: lab",
    "  group_by: [alertname, instance]",
    "  # short waits: a lab's alerts should show within seconds",
    "  group_wait: 1s",
    "  group_interval: 5s",
    "  repeat_interval: 1h",
    "",
    "receivers:",
    "  - name: lab",
  ];
  return { path: MONITORING_FILES.alertmanager, content: text(lines) };
}
