// Section "Why each element is there": every host and every service on it, its firewall and certificate, with a reason.
import type { Host, Service, ServiceKind } from "../model/index.js";
import { groupByRoles, names, rolesOf, type Facts } from "./facts.js";
import { certificatesOn } from "./certificates.js";
import { rulesText } from "./firewall.js";
import { hostReason } from "./reasons.js";
import { portsText, softwareName } from "./software.js";
import type { Block, Section } from "./types.js";

/** Gives, host by host (identical hosts together), the reason for the host and for each thing running on it. */
export function elementsSection(f: Facts): Section {
  const blocks: Block[] = [];
  for (const group of groupByRoles(f.model.hosts)) {
    blocks.push({ kind: "subheading", text: heading(group) });
    blocks.push({ kind: "paragraph", text: hostReason(f, group) });
    blocks.push({ kind: "bullets", items: elementLines(f, group) });
  }
  return { id: "elements", title: "Why each element is there", blocks };
}

function heading(group: Host[]): string {
  const first = group[0]!;
  const what = first.kind === "infra" ? (first.roles.includes("user") ? "the visitor" : first.roles.includes("dns") ? "DNS" : "monitoring") : rolesOf(first);
  return `${names(group)}: ${what}`;
}

function elementLines(f: Facts, group: Host[]): string[] {
  const first = group[0]!;
  const lines: string[] = [];
  const seen = new Set<ServiceKind>();
  for (const svc of f.servicesOn(first.name)) {
    if (seen.has(svc.kind)) continue;
    seen.add(svc.kind);
    if (svc.kind === "mariadb") lines.push(...databaseLines(f, group, svc));
    else lines.push(`${label(svc)}: ${SERVICE_REASONS[svc.kind](f)}`);
  }
  if (first.kind === "infra" && first.roles.includes("user")) lines.push(`a web browser: the program that looks up ${f.site}, connects and draws the page`);
  if (first.firewall) lines.push(`nftables firewall: lets in ${rulesText(f, first.name)}${group.length > 1 ? ` (for ${first.name}; the others alike)` : ""}, and drops everything else`);
  for (const cert of certificatesOn(f, first.name))
    lines.push(`TLS certificate: ${cert.public ? `lets browsers check that they reach the real ${f.site}, and` : "proves this server's identity to its neighbour and"} encrypts ${cert.purpose}`);
  return lines;
}

function label(svc: Service): string {
  const ports = portsText(svc);
  return `${softwareName(svc.kind).replace(/^(the|a) /, "")}${ports ? ` on ${ports}` : ""}`;
}

function databaseLines(f: Facts, group: Host[], svc: Service): string[] {
  const { primary, replicas } = f.model.database;
  const ports = portsText(svc);
  if (!replicas.length) return [`MariaDB on ${ports}: keeps the site's data on disk, so it survives restarts and every request sees the same data`];
  const lines: string[] = [];
  const inGroup = (h: string) => group.some((g) => g.name === h);
  if (primary && inGroup(primary)) lines.push(`MariaDB on ${primary}, the primary, ${ports}: the one place writes go, so there is a single, consistent version of the data`);
  const reps = replicas.filter(inGroup);
  if (reps.length)
    lines.push(`MariaDB on ${names(reps)}, ${reps.length === 1 ? "a replica" : "replicas"}, ${ports}: a live copy of the primary's data; a spare that can be promoted, and extra capacity for reads`);
  return lines;
}

const SERVICE_REASONS: Record<ServiceKind, (f: Facts) => string> = {
  dns: (f) => `answers "what is the address of ${f.site}?", so visitors can use the name`,
  haproxy: () => `the load balancer itself. Visitors only ever talk to it, so the web servers behind it can be added, removed or fail without visitors noticing, and they need no public address`,
  keepalived: () => `moves the floating IP to another load balancer if this one fails, so that the load balancer is not a single point of failure`,
  nginx: () => `answers HTTP quickly, serves static files without bothering the application, and shields the application from slow or broken connections by passing on only complete requests`,
  app: (f) => `the site's own code${f.usesDatabase ? ", which turns the data in the database into pages" : ""}; without it the site could only show fixed files`,
  mariadb: () => `keeps the site's data`,
  prometheus: () => `fetches and stores every agent's figures, and checks the alert rules`,
  alertmanager: () => `turns alerts into notifications for people, grouping duplicates so that one outage does not send a hundred messages`,
  "node-exporter": () => `publishes this host's CPU, memory, disk and network figures, so that a machine running short of something is seen before it fails`,
  "nginx-exporter": () => `publishes nginx's request and connection counts; the web server's QPS comes from here`,
  "mysqld-exporter": () => `publishes the database's query counts, connections and replication lag`,
  "failover-controller": (f) => `promotes a replica when the database primary (${f.model.database.primary}) fails, so that writes resume without waiting for a person`,
  "db-agent": () => `tells the database proxies whether this MariaDB takes writes or serves reads, and carries out the failover controller's orders on it`,
  etcd: (f) =>
    `holds one vote of an etcd cluster of ${f.model.database.etcd.length} members; the failover controllers elect their leader through it (a lease that expires when its holder stops renewing), so one host's loss stops neither the vote nor failover`,
  "db-proxy": () => `sends the app's writes to whichever database server is the primary now, and its reads to a healthy replica, so a failover needs no app restart`,
};
