// The flows a design adds in firewall.allow: which hosts each end names, shared by validation and the model.
import type { FirewallAllow, Stack } from "./schema.js";
import { expandServers, lbHostNames, MONITOR_HOST } from "./hosts.js";
import { PORTS } from "./ports.js";

/** Roles an end of an extra flow may name; `user` stands for visitors from anywhere and may only open connections. */
export type AllowRole = "user" | "lb" | "web" | "app" | "db" | "monitor";
export const VISITORS = "user";

/** Ids stacklab gives the flows it derives itself; an extra flow may not take one. */
export const DERIVED_FLOW_IDS = [
  "user-dns",
  "user-http",
  "user-https",
  "lb-web",
  "lb-vrrp",
  "web-app",
  "app-db",
  "db-replication",
  "dbproxy-agent",
  "controller-agent",
  "scrape-node",
  "scrape-haproxy",
  "scrape-nginx",
  "scrape-app",
  "scrape-mysql",
  // flows between hosts of several roles come one per role of the hosts they reach (etcd members, controllers)
  ...["lb", "web", "app", "db", "monitor"].flatMap((r) => [`controller-agent-${r}`, `etcd-peer-${r}`, `etcd-client-${r}`, `etcd-lease-${r}`, `scrape-etcd-${r}`]),
];

/** One end of an extra flow, resolved: the role it stands for and its hosts. */
export interface AllowEnd {
  role: AllowRole;
  hosts: string[];
}

/** The design's own hosts (servers, load balancers, monitoring host) with their roles, in the model's order. */
export function allowTargets(stack: Stack): { name: string; roles: AllowRole[] }[] {
  return [
    ...lbHostNames(stack).map((name) => ({ name, roles: ["lb"] as AllowRole[] })),
    ...expandServers(stack.servers).map((s) => ({ name: s.name, roles: s.roles as AllowRole[] })),
    ...(stack.monitoring.system === "prometheus" ? [{ name: MONITOR_HOST, roles: ["monitor"] as AllowRole[] }] : []),
  ];
}

/** The flow id of the i-th extra flow. */
export function allowFlowId(rule: Pick<FirewallAllow, "name">, index: number): string {
  return rule.name ?? `allow-${index + 1}`;
}

/** Resolves a role or host name to the hosts it stands for; undefined when the design has none. */
export function resolveAllowEnd(stack: Stack, word: string): AllowEnd | undefined {
  if (word === VISITORS) return { role: "user", hosts: ["user"] };
  const targets = allowTargets(stack);
  const host = targets.find((t) => t.name === word);
  if (host) return { role: host.roles[0]!, hosts: [host.name] };
  const withRole = targets.filter((t) => t.roles.includes(word as AllowRole));
  return withRole.length ? { role: word as AllowRole, hosts: withRole.map((t) => t.name) } : undefined;
}

/** Hosts visitors can reach at all: the entry hosts (load balancers, or web servers when there is none). */
export function publicHosts(stack: Stack): string[] {
  if (stack.loadBalancer) return lbHostNames(stack);
  return expandServers(stack.servers)
    .filter((s) => s.roles.includes("web"))
    .map((s) => s.name);
}

/**
 * The database hosts an extra flow opens: every host of an end naming the db role (or a host whose first role is db),
 * and the hosts running MariaDB when the port is MariaDB's.
 */
export function exposedDatabases(end: AllowEnd, port: number, dbHosts: ReadonlySet<string>): string[] {
  if (end.role === "db" || port === PORTS.mysql) return end.hosts.filter((h) => dbHosts.has(h));
  return [];
}

/** The hosts of the design that run MariaDB. */
export function dbHostNames(stack: Stack): Set<string> {
  return new Set(
    allowTargets(stack)
      .filter((t) => t.roles.includes("db"))
      .map((t) => t.name),
  );
}
