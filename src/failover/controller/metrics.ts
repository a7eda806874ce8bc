// The controller's few metrics, written for the node exporter's textfile collector (atomically: write, then rename).
import { renameSync, writeFileSync } from "node:fs";

/** What the metrics file says. */
export interface ControllerMetrics {
  primary: string | null;
  state: string;
  lastFailover: { from: string; to: string; at: number } | null;
  failovers: number;
}

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

/** Renders the metrics in Prometheus' text format. */
export function renderMetrics(m: ControllerMetrics): string {
  const lines = [
    "# HELP stacklab_failover_primary The database primary the failover controller knows (1 for that host).",
    "# TYPE stacklab_failover_primary gauge",
    ...(m.primary ? [`stacklab_failover_primary{host="${label(m.primary)}"} 1`] : []),
    "# HELP stacklab_failover_controller_state The controller's state (1 for the current one).",
    "# TYPE stacklab_failover_controller_state gauge",
    `stacklab_failover_controller_state{state="${label(m.state)}"} 1`,
    "# HELP stacklab_failover_total Replicas the controller promoted since it started.",
    "# TYPE stacklab_failover_total counter",
    `stacklab_failover_total ${m.failovers}`,
  ];
  if (m.lastFailover)
    lines.push(
      "# HELP stacklab_failover_last_timestamp_seconds When the controller last promoted a replica, and from which primary to which.",
      "# TYPE stacklab_failover_last_timestamp_seconds gauge",
      `stacklab_failover_last_timestamp_seconds{from="${label(m.lastFailover.from)}",to="${label(m.lastFailover.to)}"} ${(m.lastFailover.at / 1000).toFixed(3)}`,
    );
  return `${lines.join("\n")}\n`;
}

/** Writes the metrics file; failures are ignored (metrics must never stop a failover). */
export function writeMetrics(path: string | null, m: ControllerMetrics): void {
  if (!path) return;
  try {
    writeFileSync(`${path}.tmp`, renderMetrics(m), { mode: 0o644 });
    renameSync(`${path}.tmp`, path);
  } catch {
    // the textfile folder may not be mounted yet
  }
}
