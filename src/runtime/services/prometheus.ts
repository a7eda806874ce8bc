// Prometheus on the monitoring host: scrapes every exporter, evaluates the alert rules, sends alerts to Alertmanager.
import { PORTS } from "../../model/ports.js";
import { MONITORING_FILES, RETENTION } from "../../render/config/prometheus.js";
import { asPrometheusUser, GO_ENV_LINES, hostStorageLines, prepareHostStorage } from "../host-storage.js";
import { runScript, type ServiceDef } from "./types.js";

export const prometheus: ServiceDef = {
  kind: "prometheus",
  requires: [{ binary: "prometheus", pkg: "prometheus", why: "the monitoring host", versionArgs: ["--version"] }],
  after: ["alertmanager"],
  reload: { files: ["/etc/prometheus/"], signal: "hup" },
  runScript: (ctx) =>
    runScript("prometheus", [
      ...hostStorageLines(ctx),
      ...GO_ENV_LINES,
      asPrometheusUser([
        "prometheus",
        `--config.file=${MONITORING_FILES.prometheus}`,
        "--storage.tsdb.path=/var/lib/prometheus/metrics2",
        `--storage.tsdb.retention.time=${RETENTION}`,
        // on every address: stacklab reads the API from inside the host; the firewall keeps others out
        `--web.listen-address=:${PORTS.prometheus}`,
        "--query.max-concurrency=4",
      ]),
    ]),
  prepare: prepareHostStorage,
  probe: () => ({
    what: `Prometheus answering 200 on http://127.0.0.1:${PORTS.prometheus}/-/ready`,
    argv: ["curl", "-sf", "-o", "/dev/null", "--max-time", "1", `http://127.0.0.1:${PORTS.prometheus}/-/ready`],
    listener: { tcp: { address: "127.0.0.1", port: PORTS.prometheus } },
  }),
  readyTimeoutMs: 30_000,
};
