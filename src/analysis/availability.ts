// The availability estimate: per-host assumptions composed over the path graph, exactly when the design is small.
import type { Model, Role } from "../model/types.js";
import { buildPathGraph, etcdQuorum, hostsWithRole, type PathGraph } from "./paths.js";
import { compilePaths, reachesGoals } from "./compiled-paths.js";
import type { AvailabilityAssumptions, AvailabilityEstimate, AvailabilityFigure } from "./types.js";

/** Largest number of hosts for which every failure combination is enumerated (2^20 states). */
export const EXACT_LIMIT = 20;
const HOURS_PER_YEAR = 365.25 * 24;

/** Estimates how often visitors can read, and read and write, from the model's availability assumptions. */
export function estimateAvailability(model: Model, graph: PathGraph = buildPathGraph(model), exactLimit = EXACT_LIMIT): AvailabilityEstimate {
  const assumptions: AvailabilityAssumptions = { ...model.availability };
  const hosts = failingHosts(model, graph).map((h) => ({ ...h, availability: h.role === "lb" ? assumptions.loadBalancer : h.role === "dns" ? assumptions.dns : assumptions.server }));
  const exact = hosts.length <= Math.min(exactLimit, EXACT_LIMIT);
  const { site, reads } = exact ? enumerate(graph, hosts) : seriesParallel(model, graph, new Map(hosts.map((h) => [h.host, h.availability])));
  return {
    assumptions,
    method: exact ? "exact" : "series-parallel",
    methodNote: exact
      ? `every combination of up and down over ${hosts.length} hosts (${2 ** hosts.length} states) checked on the path graph; a host with several roles counts once`
      : `${hosts.length} hosts are too many to enumerate: tiers composed in series, a tier's hosts in parallel; a host with several roles is counted in each tier, so the figure is approximate`,
    hosts,
    site: figure(site),
    reads: figure(reads),
  };
}

/** Turns an availability into a percentage and expected downtime. */
export function figure(availability: number): AvailabilityFigure {
  const a = Math.round(availability * 1e12) / 1e12;
  const hours = (1 - a) * HOURS_PER_YEAR;
  return {
    availability: a,
    percent: `${(a * 100).toFixed(4)}%`,
    downtimeHoursPerYear: Math.round(hours * 1000) / 1000,
    downtimePerYear: duration(hours),
    downtimePerMonth: duration(hours / 12),
  };
}

/** Writes a number of hours as seconds, minutes, hours or days. */
export function duration(hours: number): string {
  if (hours < 1 / 60) return `${(hours * 3600).toFixed(1)} seconds`;
  if (hours < 1) return `${(hours * 60).toFixed(1)} minutes`;
  if (hours < 48) return `${hours.toFixed(1)} hours`;
  return `${(hours / 24).toFixed(1)} days`;
}

/** Hosts whose failure can matter: every host on the graph (the visitor excepted) and the failover controller. */
function failingHosts(model: Model, graph: PathGraph): { host: string; role: Role | "controller" }[] {
  const names = new Set<string>();
  for (const n of graph.nodes) {
    if (n.host) names.add(n.host);
    for (const h of n.holders ?? []) names.add(h);
  }
  for (const e of graph.edges) {
    if (e.requires) names.add(e.requires);
    for (const h of e.quorum?.hosts ?? []) names.add(h);
  }
  return model.hosts.filter((h) => names.has(h.name) && !h.roles.includes("user")).map((h) => ({ host: h.name, role: (h.roles.find((r) => r !== "monitor") ?? "controller") as Role | "controller" }));
}

function enumerate(graph: PathGraph, hosts: { host: string; availability: number }[]): { site: number; reads: number } {
  const compiled = compilePaths(
    graph,
    hosts.map((h) => h.host),
  );
  let site = 0;
  let reads = 0;
  for (let down = 0; down < 2 ** hosts.length; down++) {
    let p = 1;
    for (let i = 0; i < hosts.length; i++) p *= down & (1 << i) ? 1 - hosts[i]!.availability : hosts[i]!.availability;
    const r = reachesGoals(compiled, down);
    if (r.read) reads += p;
    if (r.read && r.write) site += p;
  }
  return { site, reads };
}

function seriesParallel(model: Model, graph: PathGraph, a: Map<string, number>): { site: number; reads: number } {
  const up = (h: string) => a.get(h) ?? 1;
  const parallel = (hs: string[]) => (hs.length ? 1 - hs.reduce((q, h) => q * (1 - up(h)), 1) : 0);
  const front = [...new Set(graph.nodes.filter((n) => n.stage === "entry").flatMap((n) => n.holders ?? []))];
  const frontIsLb = front.some((h) => model.hosts.find((x) => x.name === h)?.roles.includes("lb"));
  let base = up(model.dns.server) * parallel(front) * (frontIsLb ? parallel(hostsWithRole(model, "web")) : 1) * parallel(hostsWithRole(model, "app"));
  const db = model.database;
  const usesDb = (model.app.type === "demo" || model.app.usesDatabase) && db.primary !== null;
  if (!usesDb) return { site: base, reads: base };
  const reads = base * parallel(hostsWithRole(model, "db"));
  const primary = up(db.primary!);
  // the quorum given the primary down and a replica up (the factor after it): exact with one replica, a close
  // approximation with several (a replica that is also a member counts as up)
  const decider = db.etcd.length ? atLeast(db.etcd, etcdQuorum(db.etcd.length), (h) => (h === db.primary ? 0 : db.replicas.includes(h) ? 1 : up(h))) : db.controller ? up(db.controller) : 1;
  const writes = db.failover === "automatic" ? primary + (1 - primary) * decider * parallel(db.replicas) : primary;
  base *= writes;
  return { site: base, reads };
}

/** Probability that at least `need` of the hosts are up (each independent, with probability `up(h)`); the primary counts as down. */
function atLeast(hosts: string[], need: number, up: (h: string) => number): number {
  // dp[k]: probability that exactly k of the hosts seen so far are up
  let dp = [1];
  for (const h of hosts) {
    const p = up(h);
    const next: number[] = new Array<number>(dp.length + 1).fill(0);
    dp.forEach((q, k) => {
      next[k] = (next[k] ?? 0) + q * (1 - p);
      next[k + 1] = (next[k + 1] ?? 0) + q * p;
    });
    dp = next;
  }
  return dp.slice(need).reduce((a, b) => a + b, 0);
}
