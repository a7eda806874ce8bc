// The textfile contract: metrics that other stacklab parts (the failover controller) publish through the node exporter.
import { chmodSync, renameSync, writeFileSync } from "node:fs";
import { MONITORING_FILES } from "../render/config/prometheus.js";

/** The file the failover controller writes on its host; the node exporter there publishes it. */
export const FAILOVER_TEXTFILE = `${MONITORING_FILES.textfileDir}/stacklab.prom`;

/** What the controller has done since the lab started. */
export interface FailoverRecord {
  /** Failovers carried out (promotions of a replica). */
  count: number;
  /** The latest one: when it finished, the old primary and the promoted replica. */
  last?: { at: Date; from: string; to: string };
}

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** The text of FAILOVER_TEXTFILE in Prometheus's exposition format (FailoverHappened reads the timestamp). */
export function failoverMetricsText(r: FailoverRecord): string {
  const lines = [
    "# HELP stacklab_failovers_total Database failovers carried out by the failover controller since the lab started.",
    "# TYPE stacklab_failovers_total counter",
    `stacklab_failovers_total ${r.count}`,
  ];
  if (r.last)
    lines.push(
      "# HELP stacklab_failover_last_timestamp_seconds When the last failover finished (Unix time), with the old and the new primary.",
      "# TYPE stacklab_failover_last_timestamp_seconds gauge",
      `stacklab_failover_last_timestamp_seconds{from="${label(r.last.from)}",to="${label(r.last.to)}"} ${Math.floor(r.last.at.getTime() / 1000)}`,
    );
  return `${lines.join("\n")}\n`;
}

/** Replaces a textfile atomically (write beside it, then rename), so the exporter never reads half a file. */
export function writeTextfile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  chmodSync(tmp, 0o644);
  renameSync(tmp, path);
}
