// Automatic database failover: what it depends on and what it may lose.
import { etcdQuorum, evaluate } from "../paths.js";
import type { Finding } from "../types.js";
import { list } from "../words.js";
import type { RuleContext } from "./context.js";

/**
 * Raises `failover.controller` (failover hangs on one host), `failover.quorum` (an etcd cluster that some one
 * host's loss leaves without a quorum) and `failover.async` (promotion may lose writes).
 */
export function failoverRules(ctx: RuleContext): Finding[] {
  const { model, graph } = ctx;
  const db = model.database;
  if (db.failover !== "automatic" || db.primary === null) return [];
  const out: Finding[] = [];
  const controller = db.controller;
  if (db.etcd.length) out.push(...quorumFindings(db.etcd, db.primary));
  else if (controller) {
    const after = evaluate(graph, new Set([controller]));
    // A controller whose loss already cuts a path is reported as a single point of failure instead.
    if (after.read && after.write)
      out.push({
        id: "failover.controller",
        severity: "medium",
        category: "availability",
        title: `automatic failover depends on one host, ${controller}`,
        elements: [controller, db.primary],
        evidence: `the failover controller runs only on ${controller}; losing ${controller} alone cuts no path, but it is the only thing that promotes ${list(db.replicas)} when ${db.primary} fails`,
        impact: `if ${controller} is down when ${db.primary} fails, no replica is promoted and writes stop until someone promotes one by hand`,
        remedy: `alert when the controller on ${controller} stops reporting, and keep it off the database hosts; for more, run a controller with its own quorum on several hosts`,
      });
  }
  if (db.replication === "async")
    out.push({
      id: "failover.async",
      severity: "medium",
      category: "availability",
      title: "automatic failover over asynchronous replication can lose writes",
      elements: [db.primary, ...db.replicas],
      evidence: `database.replication is async: ${db.primary} acknowledges a write before any of ${list(db.replicas)} has it, and failover is automatic`,
      impact: "writes the primary confirmed in its last moments may be missing on the promoted replica; visitors see saved data disappear",
      remedy: "set database.replication: semisync so a replica holds every acknowledged write before the primary answers",
    });
  return out;
}

/** An etcd cluster must keep a strict majority when any one host is lost (validation refuses less, a model built by hand may not). */
function quorumFindings(members: string[], primary: string): Finding[] {
  const hosts = [...new Set(members)];
  const need = etcdQuorum(members.length);
  // the hosts whose loss alone leaves fewer than `need` members (two members on one host fall together)
  const fatal = hosts.filter((h) => members.filter((m) => m !== h).length < need);
  if (!fatal.length) return [];
  return [
    {
      id: "failover.quorum",
      severity: "high",
      category: "availability",
      title: `automatic failover stops if ${list(fatal)} ${fatal.length === 1 ? "fails" : "fail"}: etcd loses its quorum`,
      elements: [...hosts, primary],
      evidence: `etcd has ${members.length} member${members.length === 1 ? "" : "s"} on ${list(hosts)} and needs ${need} to act; losing ${fatal.length === 1 ? fatal[0] : `any one of ${list(fatal)}`} leaves ${Math.min(...fatal.map((h) => members.filter((m) => m !== h).length))}`,
      impact: `without a quorum no failover controller holds the leader lease, so when the primary ${primary} fails no replica is promoted and writes stop`,
      remedy: "put etcd members on at least 3 different hosts (database.etcd: [db-1, db-2, mon-1]), an odd number, one per host",
    },
  ];
}
