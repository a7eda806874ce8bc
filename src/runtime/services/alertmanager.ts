// Alertmanager on the monitoring host: receives Prometheus's alerts; a single instance, so no cluster gossip.
import { PORTS } from "../../model/ports.js";
import { MONITORING_FILES, RETENTION } from "../../render/config/prometheus.js";
import { asPrometheusUser, GO_ENV_LINES, hostStorageLines, prepareHostStorage } from "../host-storage.js";
import { runScript, type ServiceDef } from "./types.js";

export const alertmanager: ServiceDef = {
  kind: "alertmanager",
  requires: [{ binary: "prometheus-alertmanager", pkg: "prometheus-alertmanager", why: "alerts from the monitoring host", versionArgs: ["--version"] }],
  after: [],
  runScript: (ctx) =>
    runScript("alertmanager", [
      ...hostStorageLines(ctx),
      ...GO_ENV_LINES,
      asPrometheusUser([
        "prometheus-alertmanager",
        `--config.file=${MONITORING_FILES.alertmanager}`,
        "--storage.path=/var/lib/prometheus/alertmanager",
        `--data.retention=${RETENTION}`,
        // only Prometheus on this host talks to it
        `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
        // one Alertmanager: an empty cluster address turns clustering (and its port 9094) off
        "--cluster.listen-address=",
      ]),
    ]),
  prepare: prepareHostStorage,
  probe: () => ({
    what: `Alertmanager answering 200 on http://127.0.0.1:${PORTS.alertmanager}/-/ready`,
    argv: ["curl", "-sf", "-o", "/dev/null", "--max-time", "1", `http://127.0.0.1:${PORTS.alertmanager}/-/ready`],
    listener: { tcp: { address: "127.0.0.1", port: PORTS.alertmanager } },
  }),
  readyTimeoutMs: 20_000,
};
