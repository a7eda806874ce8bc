// Words for single-point-of-failure findings: why a loss cuts every path, and what to change.
import type { Role } from "../../model/types.js";
import type { PathNode, Reach, Stage } from "../paths.js";
import { list } from "../words.js";
import type { RuleContext } from "./context.js";

const CHAIN: Stage[] = ["entry", "lb", "web", "app", "db"];

/** Stages on the path that the host alone carried (every node of that stage the visitor reached belonged to it). */
export function stagesCarriedAlone(ctx: RuleContext, host: string, after: Reach): Stage[] {
  const out: Stage[] = [];
  for (const stage of CHAIN) {
    const before = ctx.graph.nodes.filter((n) => n.stage === stage && ctx.baseline.reached.has(n.id));
    const still = before.filter((n) => after.reached.has(n.id));
    if (before.length && !still.length && before.every((n) => ownedBy(n, host))) out.push(stage);
  }
  return out;
}

function ownedBy(node: PathNode, host: string): boolean {
  return node.stage === "entry" ? node.holders!.length > 0 && node.holders!.every((h) => h === host) : node.host === host;
}

/** Evidence for a host whose loss stops every read. */
export function hostEvidence(ctx: RuleContext, host: string, stages: Stage[]): string {
  const roles = stages.filter((s) => s !== "entry");
  const parts: string[] = [];
  if (roles.length) parts.push(`${host} is the only host with role ${list(roles)} on the path from user to a working read`);
  if (stages.includes("entry")) parts.push(`${ctx.graph.site} resolves only to ${list(ctx.graph.addresses)}, which ${host} alone holds`);
  if (!parts.length) return `every path from user to a working read passes through ${host}`;
  return parts.join(", and ");
}

/** Remedy for a host that carries the given stages alone. */
export function hostRemedy(ctx: RuleContext, stages: Stage[]): string {
  const out: string[] = [];
  if (stages.includes("lb") || (stages.includes("entry") && ctx.model.loadBalancer)) out.push("add a second load balancer sharing a floating IP (loadBalancer: count: 2, ha: active-passive)");
  else if (stages.includes("entry")) out.push("put a pair of load balancers with a floating IP in front of the web servers (loadBalancer: count: 2, ha: active-passive)");
  for (const role of ["web", "app", "db"] as Role[]) if (stages.includes(role as Stage)) out.push(`run role ${role} on at least two hosts${role === "db" ? " with database.failover: automatic" : ""}`);
  if (!out.length) out.push("give every step of the path a second host that can take over");
  return out.join("; ");
}

/** Evidence for a host whose loss stops writes while reads go on. */
export function writeEvidence(ctx: RuleContext, host: string): string {
  const db = ctx.model.database;
  if (host === db.primary && db.failover === "manual")
    return `${host} holds the only write primary and database.failover is manual: when it fails no replica is promoted, so no path reaches a working write`;
  if (host === db.primary) return `${host} holds the write primary and no other db host can be promoted on the path from user to a working write`;
  return `every path from user to a working write passes through ${host}`;
}

/** Remedy for a write single point of failure. */
export function writeRemedy(ctx: RuleContext): string {
  const db = ctx.model.database;
  if (db.replicas.length && db.failover === "manual")
    return "set database.failover: automatic so a replica is promoted when the primary fails (with replication: semisync so no acknowledged write is lost)";
  if (!db.replicas.length) return "add a replica (a second host with role db) and set database.failover: automatic";
  return "make sure another db host can be promoted and reached by the app servers";
}
