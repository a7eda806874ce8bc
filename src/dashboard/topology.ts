// The picture's layout from the model: hosts in columns by tier (users, load balancers, web, app, database,
// monitoring) and the links users' requests and the database's changes travel along.
import type { Model, Role } from "../model/types.js";

/** A host as the diagram places it. */
export interface TopoHost {
  name: string;
  kind: "server" | "infra";
  roles: Role[];
  column: number;
  row: number;
  addresses: string[];
  services: string[];
}

/** A line between two hosts: users' requests, database replication, or control (the failover controller). */
export interface TopoLink {
  from: string;
  to: string;
  label: string;
  kind: "traffic" | "replication" | "control";
}

/** Where users enter: the name they type and the address it resolves to, with the hosts that can hold it. */
export interface TopoEntry {
  fqdn: string;
  address: string;
  kind: "floating" | "host";
  holders: string[];
}

/** Everything the page needs to draw the design; the live state colours it. */
export interface Topology {
  columns: string[];
  hosts: TopoHost[];
  links: TopoLink[];
  entry: TopoEntry | null;
}

const RANK: Record<Role, number> = { user: 0, dns: 0, lb: 1, web: 2, app: 3, db: 4, monitor: 5 };
const TITLE: Record<Role, string> = { user: "users", dns: "users", lb: "load balancers", web: "web", app: "app", db: "database", monitor: "monitoring" };

function columnOf(roles: Role[]): { key: string; rank: number; title: string } {
  if (roles.includes("user") || roles.includes("dns")) return { key: "clients", rank: 0, title: "users" };
  if (roles.includes("monitor")) return { key: "monitor", rank: 9, title: "monitoring" };
  const sorted = [...roles].sort((a, b) => RANK[a] - RANK[b]);
  return { key: sorted.join("+"), rank: RANK[sorted[0]!], title: sorted.map((r) => TITLE[r]).join(" + ") };
}

const LINK_OF_FLOW: Record<string, { label: string; kind: TopoLink["kind"] }> = {
  "lb-web": { label: "HTTP", kind: "traffic" },
  "web-app": { label: "HTTP", kind: "traffic" },
  "app-db": { label: "SQL", kind: "traffic" },
  "db-replication": { label: "replication", kind: "replication" },
  "controller-agent": { label: "failover control", kind: "control" },
};

/** Lays a design out for the page: columns left to right in the order a request travels. */
export function topology(model: Model): Topology {
  const cols = new Map<string, { rank: number; title: string; hosts: string[] }>();
  for (const h of model.hosts) {
    const c = columnOf(h.roles);
    const col = cols.get(c.key) ?? { rank: c.rank, title: c.title, hosts: [] };
    col.hosts.push(h.name);
    cols.set(c.key, col);
  }
  const ordered = [...cols.values()].sort((a, b) => a.rank - b.rank);
  const place = new Map<string, { column: number; row: number }>();
  ordered.forEach((c, column) => c.hosts.forEach((name, row) => place.set(name, { column, row })));
  const hosts: TopoHost[] = model.hosts.map((h) => ({
    name: h.name,
    kind: h.kind,
    roles: h.roles,
    ...place.get(h.name)!,
    addresses: h.interfaces.map((i) => i.address),
    services: model.services.filter((s) => s.host === h.name).map((s) => s.kind),
  }));
  const links: TopoLink[] = [];
  const seen = new Set<string>();
  for (const f of model.flows) {
    const kind = LINK_OF_FLOW[f.id] ?? (f.id.startsWith("controller-agent-") ? LINK_OF_FLOW["controller-agent"] : undefined);
    if (!kind) continue;
    for (const from of f.from.hosts)
      for (const to of f.to.hosts) {
        const key = `${[from, to].sort().join("|")}|${kind.kind}`;
        if (from === to || seen.has(key)) continue;
        // replication runs from the primary to each replica only
        if (f.id === "db-replication" && from !== model.database.primary) continue;
        seen.add(key);
        links.push({ from, to, ...kind });
      }
  }
  const e = model.entryPoints[0];
  const www = model.dns.records.find((r) => r.type === "A" && e && r.values.includes(e.address));
  const entry = e ? { fqdn: www?.fqdn ?? `www.${model.domain}`, address: e.address, kind: e.kind, holders: e.holders } : null;
  return { columns: ordered.map((c) => c.title), hosts, links, entry };
}
