// The service kinds the lab can run, by kind. Adding a kind means one file here.
import type { ServiceKind } from "../../model/types.js";
import { app } from "./app.js";
import { dns } from "./dns.js";
import { haproxy } from "./haproxy.js";
import { keepalived } from "./keepalived.js";
import { mariadb } from "./mariadb.js";
import { nginx } from "./nginx.js";
import { alertmanager } from "./alertmanager.js";
import { mysqldExporter } from "./mysqld-exporter.js";
import { nginxExporter } from "./nginx-exporter.js";
import { nodeExporter } from "./node-exporter.js";
import { prometheus } from "./prometheus.js";
import { dbAgent } from "./db-agent.js";
import { dbProxy } from "./db-proxy.js";
import { failoverController } from "./failover-controller.js";
import type { ServiceDef } from "./types.js";

/** Implemented service kinds. Kinds of the model missing here are reported by `up` as not yet running. */
export const SERVICES: Partial<Record<ServiceKind, ServiceDef>> = { dns, haproxy, keepalived, nginx, app, mariadb, "node-exporter": nodeExporter, "nginx-exporter": nginxExporter, "mysqld-exporter": mysqldExporter, prometheus, alertmanager, "db-agent": dbAgent, "db-proxy": dbProxy, "failover-controller": failoverController };

/** Start order inside a host: a service's dependencies come first (runit starts all at once; this orders readiness checks). */
export const READY_ORDER: ServiceKind[] = ["dns", "mariadb", "db-agent", "mysqld-exporter", "db-proxy", "app", "nginx", "nginx-exporter", "haproxy", "keepalived", "node-exporter", "alertmanager", "prometheus", "failover-controller"];

export type { ServiceDef, ServiceContext, Probe } from "./types.js";
