// Facts read off the model once, in the shape the explanation's sentences need.
import type { DnsRecordModel, EntryPoint, Flow, Host, Model, Role, Service } from "../model/index.js";

/** The model plus the derived facts every section reads. */
export interface Facts {
  model: Model;
  /** www.<domain>: the name a visitor types. */
  site: string;
  servers: Host[];
  withRole: (role: Role) => Host[];
  host: (name: string) => Host;
  servicesOn: (name: string) => Service[];
  flow: (id: string) => Flow | undefined;
  /** True when visitors can use HTTPS. */
  https: boolean;
  /** The records followed to resolve the site's name, CNAMEs first, ending at an A record. */
  chain: DnsRecordModel[];
  /** The addresses the site's name resolves to. */
  siteAddresses: string[];
  /** The entry point the journey uses and the host that answers on it. */
  entry: EntryPoint;
  front: Host;
  /** The application, in words: "the guestbook demo app". */
  appName: string;
  usesDatabase: boolean;
}

/** Derives the facts of a model. */
export function factsOf(model: Model): Facts {
  const byName = new Map(model.hosts.map((h) => [h.name, h]));
  const host = (name: string): Host => {
    const h = byName.get(name);
    if (!h) throw new Error(`model has no host ${name}`);
    return h;
  };
  const site = `www.${model.domain}`;
  const chain = resolveChain(model, site);
  const siteAddresses = chain.at(-1)?.type === "A" ? chain.at(-1)!.values : model.entryPoints.map((e) => e.address);
  const entry = model.entryPoints.find((e) => siteAddresses.includes(e.address)) ?? hostEntry(model, siteAddresses[0]) ?? model.entryPoints[0]!;
  const app = model.app;
  return {
    model,
    site,
    servers: model.hosts.filter((h) => h.kind === "server"),
    withRole: (role) => model.hosts.filter((h) => h.roles.includes(role)),
    host,
    servicesOn: (name) => model.services.filter((s) => s.host === name),
    flow: (id) => model.flows.find((f) => f.id === id),
    https: model.tls.mode !== "none",
    chain,
    siteAddresses,
    entry,
    front: host(entry.holders[0]!),
    appName: app.type === "demo" ? "the guestbook demo app" : "your application",
    usesDatabase: model.database.primary !== null && (app.type === "demo" || app.usesDatabase),
  };
}

/** Follows CNAMEs from a name to the A record that ends the chain (stops on loops). */
function resolveChain(model: Model, fqdn: string): DnsRecordModel[] {
  const chain: DnsRecordModel[] = [];
  let name = fqdn;
  while (chain.length < 8) {
    const rec = model.dns.records.find((r) => r.fqdn === name);
    if (!rec || chain.includes(rec)) break;
    chain.push(rec);
    if (rec.type === "A") break;
    name = rec.values[0]!;
  }
  return chain;
}

/** An entry point for an A record aimed at a host's own address. */
function hostEntry(model: Model, address: string | undefined): EntryPoint | undefined {
  const h = model.hosts.find((x) => x.interfaces.some((i) => i.address === address));
  return h && address ? { address, kind: "host", holders: [h.name] } : undefined;
}

/** A host's address on a network, else its first address. */
export function addressOf(h: Host, network?: "public" | "private"): string {
  return (network && h.interfaces.find((i) => i.network === network)?.address) || h.interfaces[0]!.address;
}

/** Joins words the way people write them: "a", "a and b", "a, b and c". */
export function list(items: readonly string[], last = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${last} ${items.at(-1)}`;
}

/** Names of hosts, shortened when there are many: "web-1, web-2, ... web-40 (40 hosts)". */
export function names(hosts: readonly (Host | string)[]): string {
  const all = hosts.map((h) => (typeof h === "string" ? h : h.name));
  if (all.length <= 5) return list(all);
  return `${all.slice(0, 3).join(", ")}, ... ${all.at(-1)} (${all.length} hosts)`;
}

/** Names with addresses: "server-1 (198.18.1.10) and server-2 (198.18.1.11)". */
export function namesWithAddresses(hosts: readonly Host[], network: "public" | "private"): string {
  if (hosts.length > 5) return names(hosts);
  return list(hosts.map((h) => `${h.name} (${addressOf(h, network)})`));
}

/** "1 server", "2 servers". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

const ROLE_WORDS: Record<Role, string> = {
  user: "visitor",
  dns: "DNS server",
  lb: "load balancer",
  web: "web server",
  app: "application server",
  db: "database",
  monitor: "monitoring server",
};

/** What a role is, in words. */
export function roleWord(role: Role): string {
  return ROLE_WORDS[role];
}

/** A host's roles in words: "web server, application server and database". */
export function rolesOf(h: Host): string {
  return list(h.roles.map(roleWord));
}

/** Groups hosts that carry the same roles, keeping the model's order (web-1 and web-2 together). */
export function groupByRoles(hosts: readonly Host[]): Host[][] {
  const groups = new Map<string, Host[]>();
  for (const h of hosts) {
    const key = `${h.kind}:${h.roles.join(",")}`;
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return [...groups.values()];
}

/** Puts "a" or "an" before a noun phrase. */
export function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? "an" : "a"} ${phrase}`;
}

/** Where an A record points, in words, naming its addresses once: "the floating IP 198.18.0.100 (held by lb-1, ...)". */
export function pointsToText(r: DnsRecordModel): string {
  return r.values.every((v) => r.pointsTo.includes(v)) ? r.pointsTo : `${list(r.values)}, ${r.pointsTo}`;
}
