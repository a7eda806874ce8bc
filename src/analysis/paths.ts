// The path graph: every way a visitor's request can travel from the user to a working read or write.
import type { Model, Role } from "../model/types.js";

/** Where a node sits on the way from the user to the data. */
export type Stage = "user" | "dns" | "entry" | "lb" | "web" | "app" | "db" | "read" | "write";

/** A step of the path: the visitor, the DNS lookup, an entry address, a host in one role, or a goal. */
export interface PathNode {
  id: string;
  stage: Stage;
  /** The host doing this step (stages dns, lb, web, app, db). */
  host?: string;
  /** Entry nodes: the address the site's name resolves to. */
  address?: string;
  /** Entry nodes: hosts that can hold the address; it is alive while any of them lives. */
  holders?: string[];
  /** Entry nodes: floating (moves between holders) or a host's own address. */
  kind?: "floating" | "host";
}

/** A hop between two steps; `requires` names a host that must be alive for the hop (the failover controller). */
export interface PathEdge {
  from: string;
  to: string;
  requires?: string;
  /** At least `need` of these hosts must be alive for the hop (an etcd quorum the failover controllers lead through). */
  quorum?: { hosts: string[]; need: number };
}

/** Nodes and hops of every path, plus the name the visitor looks up. */
export interface PathGraph {
  /** The name visitors type, e.g. www.foobar.com. */
  site: string;
  /** Addresses that name resolves to. */
  addresses: string[];
  nodes: PathNode[];
  edges: PathEdge[];
}

/** What works when some hosts are down and some entry addresses are lost. */
export interface Reach {
  read: boolean;
  write: boolean;
  /** Ids of the nodes a request can still get to. */
  reached: Set<string>;
}

const TIERS: [Role, Role][] = [
  ["lb", "web"],
  ["web", "app"],
  ["app", "db"],
];

/** Builds the path graph of a design from its hosts, DNS records, entry points and flows. */
export function buildPathGraph(model: Model): PathGraph {
  const nodes: PathNode[] = [
    { id: "user", stage: "user" },
    { id: "dns", stage: "dns", host: model.dns.server },
  ];
  const edges: PathEdge[] = [{ from: "user", to: "dns" }];
  const roleNode = (role: Role, host: string) => `${role}:${host}`;
  for (const h of model.hosts)
    for (const role of h.roles) if (role === "lb" || role === "web" || role === "app" || role === "db") nodes.push({ id: roleNode(role, h.name), stage: role, host: h.name });

  const site = `www.${model.domain}`;
  const addresses = resolveName(model, site);
  for (const address of addresses) {
    const entry = entryFor(model, address);
    const id = `entry:${address}`;
    nodes.push({ id, stage: "entry", address, holders: entry.holders, kind: entry.kind });
    edges.push({ from: "dns", to: id });
    for (const holder of entry.holders) {
      const roles = model.hosts.find((h) => h.name === holder)?.roles ?? [];
      const first = roles.includes("lb") ? "lb" : roles.includes("web") ? "web" : null;
      if (first) edges.push({ from: id, to: roleNode(first, holder) });
    }
  }

  for (const [from, to] of TIERS) {
    const pairs = tierPairs(model, from, to);
    for (const [a, b] of pairs) edges.push({ from: roleNode(from, a), to: roleNode(to, b) });
  }

  nodes.push({ id: "read", stage: "read" }, { id: "write", stage: "write" });
  const db = model.database;
  const usesDb = (model.app.type === "demo" || model.app.usesDatabase) && db.primary !== null;
  if (!usesDb) {
    for (const h of hostsWithRole(model, "app")) edges.push({ from: roleNode("app", h), to: "read" }, { from: roleNode("app", h), to: "write" });
  } else {
    for (const h of hostsWithRole(model, "db")) {
      edges.push({ from: roleNode("db", h), to: "read" });
      if (h === db.primary) edges.push({ from: roleNode("db", h), to: "write" });
      else if (db.failover === "automatic")
        edges.push({
          from: roleNode("db", h),
          to: "write",
          ...(db.etcd.length ? { quorum: { hosts: db.etcd, need: etcdQuorum(db.etcd.length) } } : db.controller ? { requires: db.controller } : {}),
        });
    }
  }
  return { site, addresses, nodes, edges };
}

/** Members an etcd cluster of n needs to act: a strict majority. */
export function etcdQuorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** Finds what still works when the given hosts are down and the given entry addresses are lost. */
export function evaluate(graph: PathGraph, downHosts: ReadonlySet<string>, lostAddresses: ReadonlySet<string> = new Set()): Reach {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const alive = (n: PathNode): boolean => {
    if (n.stage === "entry") return !lostAddresses.has(n.address!) && n.holders!.some((h) => !downHosts.has(h));
    return n.host === undefined || !downHosts.has(n.host);
  };
  const out = new Map<string, PathEdge[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const reached = new Set<string>(["user"]);
  const queue = ["user"];
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of out.get(id) ?? []) {
      if (reached.has(e.to) || (e.requires !== undefined && downHosts.has(e.requires))) continue;
      if (e.quorum && e.quorum.hosts.filter((h) => !downHosts.has(h)).length < e.quorum.need) continue;
      const next = byId.get(e.to);
      if (!next || !alive(next)) continue;
      reached.add(e.to);
      queue.push(e.to);
    }
  }
  return { read: reached.has("read"), write: reached.has("write"), reached };
}

/** Names of the hosts that carry a role, in model order. */
export function hostsWithRole(model: Model, role: Role): string[] {
  return model.hosts.filter((h) => h.roles.includes(role)).map((h) => h.name);
}

/** Follows CNAMEs to the addresses a name resolves to (the apex when the name has no record). */
export function resolveName(model: Model, name: string): string[] {
  let current = name;
  for (let hop = 0; hop < 10; hop++) {
    const record = model.dns.records.find((r) => r.fqdn === current) ?? (hop === 0 ? model.dns.records.find((r) => r.fqdn === model.domain) : undefined);
    if (!record) return [];
    if (record.type === "A") return [...new Set(record.values)];
    current = record.values[0] ?? "";
  }
  return [];
}

/** What holds an address the site resolves to: an entry point, a host's public address, or nothing a visitor can reach. */
function entryFor(model: Model, address: string): { holders: string[]; kind: "floating" | "host" } {
  const entry = model.entryPoints.find((e) => e.address === address);
  if (entry) return { holders: [...entry.holders], kind: entry.kind };
  const host = model.hosts.find((h) => h.interfaces.some((i) => i.address === address && i.network === "public"));
  return { holders: host ? [host.name] : [], kind: "host" };
}

/** Which hosts of one tier send requests to which hosts of the next, from the model's flows (all to all when no flow says). */
function tierPairs(model: Model, from: Role, to: Role): [string, string][] {
  // only flows whose every end has the role (etcd's and the controllers' flows span hosts of several roles)
  const has = (h: string, role: Role) => model.hosts.find((x) => x.name === h)?.roles.includes(role) ?? false;
  const flows = model.flows.filter((f) => f.from.role === from && f.to.role === to && f.protocol !== "prometheus" && f.from.hosts.every((h) => has(h, from)) && f.to.hosts.every((h) => has(h, to)));
  const pairs = new Set<string>();
  const source = flows.length ? flows : [{ from: { hosts: hostsWithRole(model, from) }, to: { hosts: hostsWithRole(model, to) } }];
  for (const f of source) for (const a of f.from.hosts) for (const b of f.to.hosts) pairs.add(`${a}\u0000${b}`);
  return [...pairs].map((p) => p.split("\u0000") as [string, string]);
}
