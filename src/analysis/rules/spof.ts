// Single points of failure, found on the path graph: remove each server host and each host entry point in turn.
import { evaluate } from "../paths.js";
import type { Finding } from "../types.js";
import { list } from "../words.js";
import type { RuleContext } from "./context.js";
import { hostEvidence, hostRemedy, stagesCarriedAlone, writeEvidence, writeRemedy } from "./spof-text.js";

/** Raises `spof.host.*` (no read works without it), `spof.write.*` (no write works) and `spof.entry.*` findings. */
export function spofRules(ctx: RuleContext): Finding[] {
  const { model, graph, baseline } = ctx;
  if (!baseline.read || !baseline.write) return [brokenPath(ctx)];
  const out: Finding[] = [];
  for (const host of model.hosts.filter((h) => h.kind === "server")) {
    const after = evaluate(graph, new Set([host.name]));
    if (!after.read) {
      const stages = stagesCarriedAlone(ctx, host.name, after);
      out.push({
        id: `spof.host.${host.name}`,
        severity: "critical",
        category: "availability",
        title: `${host.name} is a single point of failure`,
        elements: [host.name],
        evidence: hostEvidence(ctx, host.name, stages),
        impact: `if ${host.name} fails, every visitor of ${graph.site} gets an error: no page loads and no write is saved until it is back`,
        remedy: hostRemedy(ctx, stages),
      });
    } else if (!after.write) {
      const readers = graph.nodes.filter((n) => n.stage === "db" && after.reached.has(n.id)).map((n) => n.host!);
      out.push({
        id: `spof.write.${host.name}`,
        severity: "high",
        category: "availability",
        title: `${host.name} is a single point of failure for writes`,
        elements: [host.name],
        evidence: writeEvidence(ctx, host.name),
        impact: `if ${host.name} fails, pages still load${readers.length ? ` (reads from ${list(readers)})` : ""} but every write fails until someone promotes a replica by hand`,
        remedy: writeRemedy(ctx),
      });
    }
  }
  for (const entry of graph.nodes.filter((n) => n.stage === "entry" && n.kind === "host")) {
    const after = evaluate(graph, new Set(), new Set([entry.address!]));
    if (after.read) continue;
    const holder = entry.holders![0] ?? "no host";
    out.push({
      id: `spof.entry.${holder}`,
      severity: "high",
      category: "availability",
      title: `the only entry point is ${holder}'s own address`,
      elements: [entry.address!, holder],
      evidence: `${graph.site} resolves only to ${entry.address}, the address of ${holder} itself: no floating IP and no second address can take over`,
      impact: `if that address stops answering (${holder} down, its link cut, the address moved by mistake), visitors cannot reach the site even if other servers are fine`,
      remedy: model.loadBalancer
        ? "share a floating IP between two load balancers (loadBalancer: count: 2, ha: active-passive), or give each its own floating IP in DNS (ha: active-active)"
        : "put a pair of load balancers with a floating IP in front (loadBalancer: count: 2, ha: active-passive) and point www at it",
    });
  }
  return out;
}

/** A design in which no request gets through even with every host up. */
function brokenPath(ctx: RuleContext): Finding {
  const { graph, baseline } = ctx;
  const what = !baseline.read ? "a working read" : "a working write";
  const reachedHosts = graph.nodes.filter((n) => n.host && baseline.reached.has(n.id)).map((n) => n.id);
  return {
    id: "path.broken",
    severity: "critical",
    category: "availability",
    title: `no path leads from the user to ${what}`,
    elements: graph.addresses,
    evidence: `${graph.site} resolves to ${graph.addresses.length ? list(graph.addresses) : "nothing"}; with every host up, a request reaches only ${reachedHosts.length ? list(reachedHosts) : "the DNS lookup"}`,
    impact: "the site does not work at all, even before anything fails",
    remedy: "point www at the entry point (dns.records: target: entry) and make sure every tier from the entry to the database has a host",
  };
}
