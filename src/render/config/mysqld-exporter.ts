// The MariaDB exporter's credentials: the read-only `monitor` account over the local socket.
import type { Model } from "../../model/index.js";
import { header, text } from "./common.js";
import { MONITORING_FILES } from "./prometheus.js";
import type { RenderedFile, Secrets } from "./types.js";

/** The database account the exporter logs in with (created by the runtime's init.sql with PROCESS and SLAVE MONITOR). */
export const MONITOR_DB_USER = "monitor";

/** Renders /etc/prometheus/mysqld-exporter.cnf (mode 0600: it holds the monitor password). */
export function renderMysqldExporterCnf(model: Model, secrets: Secrets): RenderedFile {
  const lines = [
    header(model),
    "# MariaDB listens on the private address only; the exporter uses the local socket instead,",
    "# so it needs no network access to the database and works while the port is firewalled.",
    "[client]",
    `user = ${MONITOR_DB_USER}`,
    `password = ${secrets.monitor}`,
    "socket = /run/mysqld/mysqld.sock",
  ];
  return { path: MONITORING_FILES.mysqldExporter, content: text(lines), mode: 0o600 };
}
