// The service kinds the lab can run, by kind. Adding a kind means one file here (its ServiceDef) and its renderer.
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
import { etcd } from "./etcd.js";
import type { ServiceDef } from "./types.js";

/** Implemented service kinds. Kinds of the model missing here are reported by `up` as not yet running. */
export const SERVICES: Partial<Record<ServiceKind, ServiceDef>> = {
  dns,
  haproxy,
  keepalived,
  nginx,
  app,
  mariadb,
  "node-exporter": nodeExporter,
  "nginx-exporter": nginxExporter,
  "mysqld-exporter": mysqldExporter,
  prometheus,
  alertmanager,
  "db-agent": dbAgent,
  "db-proxy": dbProxy,
  "failover-controller": failoverController,
  etcd,
};

/**
 * The order in which a host's services are awaited (and the reverse, stopped), derived from each kind's `after`:
 * a kind comes after every kind it names that the host also runs; kinds unrelated to each other keep their
 * alphabetical order, so the result does not depend on the order of the input. runit starts them all at once;
 * a service whose dependency is not ready yet fails and is restarted by its supervisor.
 */
export function startOrder<K extends string>(kinds: readonly K[]): K[] {
  const present = new Set<string>(kinds);
  const pending = [...new Set(kinds)].sort();
  const done: K[] = [];
  while (pending.length) {
    const i = pending.findIndex((k) => (SERVICES[k as ServiceKind]?.after ?? []).every((d) => !present.has(d) || done.includes(d as unknown as K)));
    if (i < 0) throw new Error(`service kinds depend on each other in a circle: ${pending.join(", ")}`);
    done.push(pending.splice(i, 1)[0]!);
  }
  return done;
}

/** The log file's name of a service kind under /var/log (the DNS server logs to nsd.log). */
export function logName(kind: string): string {
  return SERVICES[kind as ServiceKind]?.log ?? kind;
}

export type { ServiceDef, ServiceContext, Probe } from "./types.js";
