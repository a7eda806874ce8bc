// Is the database tier whole: one server takes writes, every other one streams from it and has applied all it
// holds, semi-sync is acknowledged by all of them, the controller agrees, and every proxy sends writes to it?
// The lab tests wait for this state before each case; the experiment runner times how long a lab takes to reach
// it on its own after a heal.
import type { Model } from "../model/types.js";
import type { LabState } from "../runtime/state.js";
import { dbStatus, type DbStatus, type ProxyServer } from "./lab.js";
import type { ControllerState } from "./controller/controller.js";
import type { AgentStatus } from "./types.js";

type Server = DbStatus["servers"][number];

/**
 * What the judgement reads of `stacklab db status`: those fields of DbStatus, so that they cannot drift apart. The
 * role, the IO thread's state and the controller's phase are only shown or compared, and taken as any string: the
 * lab tests pass the JSON of `db status --json`, which types them so (test/integration/failover-helpers.ts).
 */
export interface TierView extends Pick<DbStatus, "replication" | "primary" | "writable"> {
  servers: (Pick<Server, "host"> & {
    role: string;
    db: Pick<Server["db"], "up" | "gtidBinlogPos" | "gtidCurrentPos"> & {
      semisync: Pick<Server["db"]["semisync"], "masterStatus" | "masterClients">;
      replica: (Pick<NonNullable<Server["db"]["replica"]>, "sqlRunning" | "lastIoErrno"> & { io: string }) | null;
    };
    agent: { selfFenced: Pick<NonNullable<AgentStatus["selfFenced"]>, "reason"> | null } | Extract<Server["agent"], { error: string }> | null;
  })[];
  proxies: (Pick<DbStatus["proxies"][number], "host"> & { servers: Pick<ProxyServer, "backend" | "server" | "status">[] | { error: string } })[];
  controller: (Pick<ControllerState, "primary"> & { phase: string }) | { error: string } | null;
}

/**
 * Why the tier is not whole (null: it is). `primary`: the server that must be the primary (any one, when not
 * given); `controller`: the design has a failover controller, which must be watching that primary.
 */
export function notWhole(s: TierView, opts: { primary?: string; controller: boolean }): string | null {
  const primary = s.primary;
  if (primary === null || (opts.primary !== undefined && primary !== opts.primary)) return `the primary is ${primary ?? "none"}${s.writable.length > 1 ? ` (writable: ${s.writable.join(", ")})` : ""}`;
  const c = s.controller;
  if (opts.controller && (!c || "error" in c || c.phase !== "watching" || c.primary !== primary))
    return `the controller is ${c && !("error" in c) ? `${c.phase}, primary ${c.primary ?? "none"}` : "unreachable"}`;
  const p = s.servers.find((x) => x.host === primary)!;
  const others = s.servers.filter((x) => x.host !== primary);
  for (const r of others) {
    if (!r.db.up || !r.db.replica) return `${r.host} is ${r.role}`;
    if (r.db.replica.io !== "Yes" || !r.db.replica.sqlRunning) return `${r.host} does not stream (IO ${r.db.replica.io}${r.db.replica.lastIoErrno ? `, error ${r.db.replica.lastIoErrno}` : ""})`;
    if (r.db.gtidCurrentPos !== p.db.gtidBinlogPos) return `${r.host} applied ${r.db.gtidCurrentPos}, ${primary} holds ${p.db.gtidBinlogPos}`;
  }
  if (s.replication === "semisync" && others.length && (!p.db.semisync.masterStatus || p.db.semisync.masterClients < others.length))
    return `${primary}'s semi-sync is ${p.db.semisync.masterStatus ? "ON" : "OFF"} with ${p.db.semisync.masterClients} replica(s) acknowledging`;
  if (p.agent && "selfFenced" in p.agent && p.agent.selfFenced) return `${primary} fenced itself`;
  for (const px of s.proxies) {
    if ("error" in px.servers) return `proxy on ${px.host}: ${px.servers.error}`;
    const writes = px.servers.filter((x) => x.backend === "db_write" && x.status.startsWith("UP")).map((x) => x.server);
    if (writes.join() !== primary) return `the proxy on ${px.host} sends writes to ${writes.join(", ") || "none"}`;
  }
  return null;
}

/** True when a design heals its database tier by itself: replicas and a failover controller to bring them back. */
export function healsItself(model: Model): boolean {
  return model.database.failover === "automatic" && model.database.controllers.length > 0 && model.hosts.filter((h) => h.roles.includes("db")).length > 1;
}

/** How long after a heal the experiment runner watches for the tier to be whole again (issue 13's goal is 30 s). */
export const WHOLE_WATCH_MS = 60_000;

/** When the tier was first seen whole (ms since the epoch, the end of the look that saw it), or why it was not by the deadline. */
export type WholeWatch = { at: number; why?: undefined } | { at: null; why: string };

/** Looks at the tier every `everyMs` from now until it is whole or `deadline` (ms since the epoch) passes. */
export async function watchWhole(state: LabState, model: Model, deadline: number, everyMs = 300): Promise<WholeWatch> {
  let why = "never looked";
  while (Date.now() < deadline) {
    const started = Date.now();
    try {
      const problem = notWhole(await dbStatus(state, model), { controller: model.database.controllers.length > 0 });
      if (!problem) return { at: Date.now() };
      why = problem;
    } catch (e) {
      why = `db status failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    await new Promise((r) => setTimeout(r, Math.max(0, started + everyMs - Date.now())));
  }
  return { at: null, why };
}
