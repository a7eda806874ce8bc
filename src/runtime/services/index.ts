// The service kinds the lab can run, by kind. Adding a kind means one file here.
import type { ServiceKind } from "../../model/types.js";
import { app } from "./app.js";
import { dns } from "./dns.js";
import { haproxy } from "./haproxy.js";
import { keepalived } from "./keepalived.js";
import { mariadb } from "./mariadb.js";
import { nginx } from "./nginx.js";
import type { ServiceDef } from "./types.js";

/** Implemented service kinds. Kinds of the model missing here are reported by `up` as not yet running. */
export const SERVICES: Partial<Record<ServiceKind, ServiceDef>> = { dns, haproxy, keepalived, nginx, app, mariadb };

/** Start order inside a host: a service's dependencies come first (runit starts all at once; this orders readiness checks). */
export const READY_ORDER: ServiceKind[] = ["dns", "mariadb", "app", "nginx", "haproxy", "keepalived"];

export type { ServiceDef, ServiceContext, Probe } from "./types.js";
