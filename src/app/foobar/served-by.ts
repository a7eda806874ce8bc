// "Which servers answered this request": the load balancer and web server from headers, the app
// server from itself, the database from the connection that ran the query.
import type { AppRequest } from "./http-types.js";
import type { DbAnswer, DbRole } from "./types.js";

/** The app server's identity, fixed for a worker's life. */
export interface AppIdentity {
  hostName: string;
  pid: number;
  version: string;
}

/** The chain of servers behind one answer; null where a hop is absent (no LB, DB not queried). */
export interface ServedBy {
  lb: string | null;
  web: string | null;
  app: string;
  pid: number;
  version: string;
  db: string | null;
  dbRole: DbRole | null;
}

/** Header names set by HAProxy and nginx (lab contract). */
export const SERVED_BY_HEADERS = { lb: "x-served-by-lb", web: "x-served-by-web" } as const;

function header(req: AppRequest, name: string): string | null {
  const v = req.headers[name];
  return v === undefined || v.trim() === "" ? null : v.trim().slice(0, 100);
}

/** Builds the served-by record for a request and, when one ran, the query that answered it. */
export function servedBy(req: AppRequest, app: AppIdentity, answer?: Pick<DbAnswer<unknown>, "dbHost" | "role">): ServedBy {
  return {
    lb: header(req, SERVED_BY_HEADERS.lb),
    web: header(req, SERVED_BY_HEADERS.web),
    app: app.hostName,
    pid: app.pid,
    version: app.version,
    db: answer?.dbHost ?? null,
    dbRole: answer?.role ?? null,
  };
}
