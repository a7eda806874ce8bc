// Compares two designs: what B adds, removes or changes compared with A, and which findings it resolves or introduces.
import type { Flow, Model } from "../model/types.js";
import { analyze, type AnalyzeOptions } from "./analyze.js";
import type { Change, FlowSummary, HostSummary, ModelDiff, PlanReport } from "./types.js";

export interface DiffOptions extends AnalyzeOptions {
  /** Labels for A and B in the result (default: the designs' names). */
  labels?: [string, string];
}

/** Diffs model B against model A (analysing both with the same options). Pure. */
export function diffModels(a: Model, b: Model, options: DiffOptions = {}): ModelDiff {
  return diffWithReports(a, analyze(a, options), b, analyze(b, options), options.labels);
}

/** Diffs two models whose plan reports are already computed. */
export function diffWithReports(a: Model, planA: PlanReport, b: Model, planB: PlanReport, labels: [string, string] = [a.name, b.name]): ModelDiff {
  const hostsA = new Map(a.hosts.map((h) => [h.name, h]));
  const hostsB = new Map(b.hosts.map((h) => [h.name, h]));
  const summary = (h: { name: string; roles: HostSummary["roles"] }): HostSummary => ({ name: h.name, roles: [...h.roles] });
  const findingsA = new Map(planA.findings.map((f) => [f.id, f]));
  const findingsB = new Map(planB.findings.map((f) => [f.id, f]));
  const flowsA = new Map(a.flows.map((f) => [f.id, flowSummary(f)]));
  const flowsB = new Map(b.flows.map((f) => [f.id, flowSummary(f)]));
  return {
    a: labels[0],
    b: labels[1],
    hosts: {
      added: b.hosts.filter((h) => !hostsA.has(h.name)).map(summary),
      removed: a.hosts.filter((h) => !hostsB.has(h.name)).map(summary),
      changed: b.hosts
        .filter((h) => hostsA.has(h.name) && hostsA.get(h.name)!.roles.join(",") !== h.roles.join(","))
        .map((h) => ({ key: h.name, before: [...hostsA.get(h.name)!.roles], after: [...h.roles] })),
    },
    services: setDiff(
      a.services.map((s) => `${s.host}: ${s.kind}`),
      b.services.map((s) => `${s.host}: ${s.kind}`),
    ),
    flows: {
      added: [...flowsB.values()].filter((f) => !flowsA.has(f.id)),
      removed: [...flowsA.values()].filter((f) => !flowsB.has(f.id)),
      changed: [...flowsB.values()]
        .filter((f) => flowsA.has(f.id) && describeFlow(flowsA.get(f.id)!) !== describeFlow(f))
        .map((f) => ({ key: f.id, before: describeFlow(flowsA.get(f.id)!), after: describeFlow(f) })),
    },
    entryPoints: setDiff(a.entryPoints.map(describeEntry), b.entryPoints.map(describeEntry)),
    settings: changes(settingsOf(a), settingsOf(b)),
    findings: {
      resolved: planA.findings.filter((f) => !findingsB.has(f.id)),
      introduced: planB.findings.filter((f) => !findingsA.has(f.id)),
      changed: planB.findings.filter((f) => findingsA.has(f.id) && findingsA.get(f.id)!.severity !== f.severity).map((f) => ({ key: f.id, before: findingsA.get(f.id)!.severity, after: f.severity })),
      unchanged: planB.findings.filter((f) => findingsA.has(f.id)).map((f) => f.id),
    },
    availability: { before: planA.availability.site, after: planB.availability.site },
  };
}

/** A flow reduced to what the diff compares. */
function flowSummary(f: Flow): FlowSummary {
  return { id: f.id, from: [...f.from.hosts], to: [...f.to.hosts], protocol: f.protocol, port: f.port, encrypted: f.encrypted };
}

/** One line for a flow: protocol, port, encryption and hosts. */
export function describeFlow(f: FlowSummary): string {
  return `${f.protocol}${f.port ? `:${f.port}` : ""} ${f.encrypted ? "encrypted" : "plaintext"} ${f.from.join(", ")} -> ${f.to.join(", ")}`;
}

function describeEntry(e: Model["entryPoints"][number]): string {
  return `${e.address} (${e.kind === "floating" ? `floating: ${e.holders.join(", ")}` : `host ${e.holders[0]}`})`;
}

function setDiff(a: string[], b: string[]): { added: string[]; removed: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { added: b.filter((x) => !sa.has(x)), removed: a.filter((x) => !sb.has(x)) };
}

function changes(a: Record<string, string>, b: Record<string, string>): Change[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => a[k] !== b[k]).map((k) => ({ key: k, before: a[k] ?? "none", after: b[k] ?? "none" }));
}

/** The design-wide settings the diff compares, flattened to strings. */
function settingsOf(m: Model): Record<string, string> {
  const lb = m.loadBalancer;
  const db = m.database;
  return {
    domain: m.domain,
    "loadBalancer.count": String(lb?.hosts.length ?? 0),
    "loadBalancer.ha": lb?.ha ?? "none",
    "loadBalancer.algorithm": lb?.algorithm ?? "none",
    "tls.mode": m.tls.mode,
    "tls.internal": String(m.tls.internal),
    "firewall.policy": m.firewall,
    "monitoring.system": m.monitoring.system,
    "monitoring.qpsAlert": m.monitoring.system === "none" ? "none" : String(m.monitoring.qpsAlert ?? "none"),
    "monitoring.errorRateAlert": m.monitoring.system === "none" ? "none" : String(m.monitoring.errorRateAlert ?? "none"),
    "database.primary": db.primary ?? "none",
    "database.replicas": db.replicas.join(", ") || "none",
    "database.replication": db.replication,
    "database.failover": db.failover,
    "database.controller": db.controller ?? "none",
    "app.type": m.app.type,
    ...Object.fromEntries(m.dns.records.map((r) => [`dns ${r.fqdn}`, `${r.type} to ${r.pointsTo}`])),
    "availability.server": String(m.availability.server),
    "availability.loadBalancer": String(m.availability.loadBalancer),
    "availability.dns": String(m.availability.dns),
  };
}
