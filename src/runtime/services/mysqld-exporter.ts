// The MariaDB exporter on db hosts: server status, variables and replication, read as `monitor` over the local socket.
import { join } from "node:path";
import { PORTS } from "../../model/ports.js";
import { MONITORING_FILES } from "../../render/config/prometheus.js";
import { asPrometheusUser, GO_ENV_LINES, PROMETHEUS_USER } from "../host-storage.js";
import { chownTo } from "../host.js";
import { addressOf, runScript, tcpProbe, type ServiceDef } from "./types.js";

export const mysqldExporter: ServiceDef = {
  kind: "mysqld-exporter",
  requires: [{ binary: "prometheus-mysqld-exporter", pkg: "prometheus-mysqld-exporter", why: "MariaDB metrics on database hosts", versionArgs: ["--version"] }],
  after: ["mariadb", "db-agent"],
  runScript: (ctx) =>
    runScript("mysqld-exporter", [
      ...GO_ENV_LINES,
      asPrometheusUser([
        "prometheus-mysqld-exporter",
        `--config.my-cnf=${MONITORING_FILES.mysqldExporter}`,
        `--web.listen-address=${addressOf(ctx.host)}:${PORTS.mysqldExporter}`,
        // the default collectors minus three that MariaDB without plugins answers with nothing
        "--collect.global_status",
        "--collect.global_variables",
        "--collect.slave_status",
        "--no-collect.info_schema.innodb_cmp",
        "--no-collect.info_schema.innodb_cmpmem",
        "--no-collect.info_schema.query_response_time",
      ]),
    ]),
  // the credentials file (mode 0600) must belong to the user the exporter runs as
  prepare: (ctx) => chownTo(join(ctx.root, MONITORING_FILES.mysqldExporter.slice(1)), PROMETHEUS_USER),
  probe: (ctx) => tcpProbe(addressOf(ctx.host), PORTS.mysqldExporter),
  readyTimeoutMs: 10_000,
};
