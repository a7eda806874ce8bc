// Derives the normalized topology from a validated spec: pure and deterministic.
import { parseMemory, type Size } from "../spec/size.js";
import type { Stack } from "../spec/schema.js";
import { expandServers, lbHostNames, MONITOR_HOST } from "../spec/hosts.js";
import { allowFlowId, resolveAllowEnd } from "../spec/firewall-allow.js";
import { intToIp, labBlock } from "./addresses.js";
import { PORTS } from "../spec/ports.js";
import type { DatabaseModel, DnsRecordModel, EntryPoint, Flow, Host, HostSize, Interface, Model, Role, Service } from "./types.js";

export interface BuildOptions {
  /** Which /22 of 198.18.0.0/15 the lab uses (0..127); labs side by side use different slots. */
  slot?: number;
  /**
   * Addresses hosts already have (a running lab being changed): they keep them, and new hosts take free ones,
   * so adding web-3 never renumbers app-1.
   */
  pinned?: Record<string, Partial<Record<"public" | "private", string>>>;
}

/** Builds the model of a design. The same spec and slot always give the same model. */
/** A host's size in the model's units, as a spread (absent when the design gives none). */
function hostSize(size: Size | undefined): { size?: HostSize } {
  return size ? { size: { cpu: size.cpu, memoryBytes: parseMemory(size.memory)! } } : {};
}

export function buildModel(stack: Stack, options: BuildOptions = {}): Model {
  const net = labBlock(options.slot ?? 0);
  const pub = (n: number) => intToIp(net.publicBase + n);
  const priv = (n: number) => intToIp(net.privateBase + n);

  const servers = expandServers(stack.servers);
  const lbNames = lbHostNames(stack);
  const hasLb = lbNames.length > 0;
  const monitorHost = stack.monitoring.system === "prometheus" ? MONITOR_HOST : null;
  const firewall = stack.firewall.policy === "default-deny";
  const monitored = monitorHost !== null;

  const hosts: Host[] = [];
  const pinned = options.pinned ?? {};
  const taken = { public: new Set<string>(), private: new Set<string>() };
  for (const p of Object.values(pinned)) {
    if (p.public) taken.public.add(p.public);
    if (p.private) taken.private.add(p.private);
  }
  let nextPublicN = 20;
  let nextPrivateN = 10;
  // The next address of a segment for a host: its pinned one, else the next one no pinned host holds.
  const nextAddress = (network: "public" | "private", host: string): string => {
    const kept = pinned[host]?.[network];
    if (kept) return kept;
    for (;;) {
      const candidate = network === "public" ? pub(nextPublicN++) : priv(nextPrivateN++);
      if (!taken[network].has(candidate)) return candidate;
    }
  };
  const iface = (ifname: string, network: "public" | "private", address: string): Interface => ({ ifname, network, address, prefix: 24 });

  hosts.push({ name: "user", kind: "infra", roles: ["user"], interfaces: [iface("eth0", "public", pub(10))], firewall: false, monitored: false });
  hosts.push({ name: "dns", kind: "infra", roles: ["dns"], interfaces: [iface("eth0", "public", pub(53))], firewall: false, monitored: false });
  for (const name of lbNames) {
    hosts.push({
      name,
      kind: "server",
      roles: ["lb"],
      interfaces: [iface("eth0", "public", nextAddress("public", name)), iface("eth1", "private", nextAddress("private", name))],
      firewall,
      monitored,
      ...hostSize(stack.loadBalancer?.size),
    });
  }
  for (const s of servers) {
    const roles: Role[] = [...s.roles].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b));
    // Without a load balancer the web servers face the users directly.
    const facesUsers = !hasLb && roles.includes("web");
    const interfaces = facesUsers
      ? [iface("eth0", "public", nextAddress("public", s.name)), iface("eth1", "private", nextAddress("private", s.name))]
      : [iface("eth0", "private", nextAddress("private", s.name))];
    hosts.push({ name: s.name, kind: "server", roles, interfaces, firewall, monitored, ...hostSize(s.size) });
  }
  if (monitorHost) {
    hosts.push({ name: monitorHost, kind: "infra", roles: ["monitor"], interfaces: [iface("eth0", "private", nextAddress("private", monitorHost))], firewall, monitored });
  }

  const withRole = (role: Role) => hosts.filter((h) => h.roles.includes(role)).map((h) => h.name);
  const addressOf = (name: string, network: "public" | "private") => hosts.find((h) => h.name === name)?.interfaces.find((i) => i.network === network)?.address ?? "";

  // Entry points: floating IPs on a load-balancer pair, else each front host's own public address.
  const entryPoints: EntryPoint[] = [];
  const lb = stack.loadBalancer;
  if (lb && lb.ha === "active-passive") entryPoints.push({ address: pub(100), kind: "floating", holders: [...lbNames] });
  else if (lb && lb.ha === "active-active") lbNames.forEach((_, i) => entryPoints.push({ address: pub(100 + i), kind: "floating", holders: rotate(lbNames, i) }));
  else {
    const front = hasLb ? lbNames : withRole("web");
    for (const name of front) entryPoints.push({ address: addressOf(name, "public"), kind: "host", holders: [name] });
  }

  const dbHosts = withRole("db");
  const primary = dbHosts.length ? (stack.database.primary ?? dbHosts[0]!) : null;
  const database: Model["database"] = {
    primary,
    replicas: dbHosts.filter((h) => h !== primary),
    replication: dbHosts.length > 1 ? stack.database.replication : "none",
    failover: dbHosts.length > 1 ? stack.database.failover : "manual",
    autoRebuild: stack.database.autoRebuild,
    controller: null,
    controllers: [],
    etcd: dbHosts.length > 1 && stack.database.failover === "automatic" ? [...new Set(stack.database.etcd ?? [])] : [],
  };
  if (database.etcd.length && stack.database.primaryLease === true) database.primaryLease = true;
  if (dbHosts.length > 1 && stack.database.failover === "automatic") {
    const single = stack.database.controller ?? monitorHost ?? lbNames[0] ?? withRole("app")[0] ?? null;
    database.controllers = database.etcd.length ? [...database.etcd] : single ? [single] : [];
    database.controller = database.controllers[0] ?? null;
  }

  const roleOf = (name: string) => hosts.find((h) => h.name === name)?.roles[0] ?? null;
  const flows = buildFlows(stack, {
    withRole,
    monitorHost,
    entryHosts: [...new Set(entryPoints.flatMap((e) => e.holders))],
    hasLb,
    controllers: database.controllers,
    etcd: database.etcd,
    leaseHolders: database.primaryLease ? dbHosts : [],
    roleOf,
  });
  const services = buildServices(stack, hosts, database);

  const records: DnsRecordModel[] = stack.dns.records.map((r) => {
    const fqdn = r.name === "@" ? stack.domain : `${r.name}.${stack.domain}`;
    if (r.type === "CNAME") {
      const target = r.target.includes(".") ? r.target.replace(/\.$/, "") : `${r.target}.${stack.domain}`;
      return { fqdn, type: "CNAME", values: [target], pointsTo: `the name ${target}` };
    }
    if (r.target === "entry") return { fqdn, type: "A", values: entryPoints.map((e) => e.address), pointsTo: describeEntry(entryPoints) };
    return { fqdn, type: "A", values: [addressOf(r.target, "public") || addressOf(r.target, "private")], pointsTo: `the host ${r.target}` };
  });

  return {
    name: stack.name,
    ...(stack.description !== undefined ? { description: stack.description } : {}),
    domain: stack.domain,
    block: net.block,
    networks: [
      { name: "public", cidr: net.public, purpose: "the Internet side: the visitor, DNS and the entry point" },
      { name: "private", cidr: net.private, purpose: "behind the entry point: web, app, database and monitoring" },
    ],
    hosts,
    services,
    entryPoints,
    flows,
    dns: { server: "dns", address: pub(53), ttl: stack.dns.ttl, records },
    loadBalancer: lb ? { hosts: lbNames, algorithm: lb.algorithm, ha: lb.ha, healthCheck: lb.healthCheck } : null,
    database,
    tls: stack.tls,
    firewall: stack.firewall.policy,
    monitoring: { ...stack.monitoring, host: monitorHost },
    app: stack.app,
    availability: stack.availability,
    spec: stack,
  };
}

const ROLE_ORDER: Role[] = ["user", "dns", "lb", "web", "app", "db", "monitor"];

function rotate<T>(items: T[], n: number): T[] {
  return [...items.slice(n), ...items.slice(0, n)];
}

function describeEntry(entries: EntryPoint[]): string {
  return entries
    .map((e) => (e.kind === "floating" ? `the floating IP ${e.address} (held by ${e.holders[0]}, backed by ${e.holders.slice(1).join(", ")})` : `${e.holders[0]}'s address ${e.address}`))
    .join(" and ");
}

interface FlowContext {
  withRole: (role: Role) => string[];
  monitorHost: string | null;
  entryHosts: string[];
  hasLb: boolean;
  /** The failover controllers' hosts, when failover is automatic. */
  controllers: string[];
  /** The etcd member hosts (empty without etcd). */
  etcd: string[];
  /** Database hosts whose agents hold or take the primary lease in etcd (empty without it). */
  leaseHolders: string[];
  /** A host's first role. */
  roleOf: (name: string) => Role | null;
}

/** Hosts grouped by their first role, in the order the roles first appear: one flow per group keeps each flow's role true. */
function byRole(hosts: string[], roleOf: (name: string) => Role | null): { role: Role; hosts: string[] }[] {
  const groups: { role: Role; hosts: string[] }[] = [];
  for (const h of hosts) {
    const role = roleOf(h);
    if (!role) continue;
    const g = groups.find((x) => x.role === role);
    if (g) g.hosts.push(h);
    else groups.push({ role, hosts: [h] });
  }
  return groups;
}

/** True when the design has replicas: each db host then runs an agent and each app host a database proxy. */
function hasReplicas(stack: Stack): boolean {
  return expandServers(stack.servers).filter((s) => s.roles.includes("db")).length > 1;
}

/** True when the app talks to the database (the demo app always does). */
function appUsesDb(stack: Stack): boolean {
  return stack.app.type === "demo" || stack.app.usesDatabase;
}

function buildFlows(stack: Stack, ctx: FlowContext): Flow[] {
  const { withRole } = ctx;
  const appPort = stack.app.type === "custom" ? stack.app.port : PORTS.app;
  const flows: Flow[] = [];
  const tls = stack.tls;
  const https = tls.mode !== "none";
  const frontRole: Role = ctx.hasLb ? "lb" : "web";
  const user = { role: "user" as Role, hosts: ["user"] };
  const front = { role: frontRole, hosts: ctx.entryHosts };

  flows.push({
    id: "user-dns",
    from: user,
    to: { role: "dns", hosts: ["dns"] },
    port: PORTS.dns,
    transport: "udp",
    protocol: "dns",
    encrypted: false,
    purpose: `look up www.${stack.domain}`,
    network: "public",
  });
  flows.push({
    id: "user-http",
    from: user,
    to: front,
    port: PORTS.http,
    transport: "tcp",
    protocol: "http",
    encrypted: false,
    purpose: https ? "plain HTTP, answered with a redirect to HTTPS" : "the site over plain HTTP",
    network: "public",
  });
  if (https) flows.push({ id: "user-https", from: user, to: front, port: PORTS.https, transport: "tcp", protocol: "https", encrypted: true, purpose: "the site over HTTPS", network: "public" });

  if (ctx.hasLb) {
    const lbs = { role: "lb" as Role, hosts: withRole("lb") };
    const webs = { role: "web" as Role, hosts: withRole("web") };
    if (tls.mode === "none" || tls.mode === "terminate")
      flows.push({
        id: "lb-web",
        from: lbs,
        to: webs,
        port: PORTS.http,
        transport: "tcp",
        protocol: "http",
        encrypted: false,
        purpose: tls.mode === "terminate" ? "requests decrypted at the load balancer, forwarded in plain HTTP" : "requests forwarded to a web server",
        network: "private",
      });
    else
      flows.push({
        id: "lb-web",
        from: lbs,
        to: webs,
        port: PORTS.https,
        transport: "tcp",
        protocol: "https",
        encrypted: true,
        purpose: tls.mode === "passthrough" ? "the user's TLS connection passed through unopened" : "requests re-encrypted from the load balancer to a web server",
        network: "private",
      });
    if (stack.loadBalancer && stack.loadBalancer.ha !== "single")
      flows.push({ id: "lb-vrrp", from: lbs, to: lbs, port: 0, transport: "vrrp", protocol: "vrrp", encrypted: false, purpose: "keepalived adverts: who holds the floating IP", network: "public" });
  }
  const apps = { role: "app" as Role, hosts: withRole("app") };
  flows.push({
    id: "web-app",
    from: { role: "web", hosts: withRole("web") },
    to: apps,
    port: appPort,
    transport: "tcp",
    protocol: tls.internal ? "https" : "http",
    encrypted: tls.internal,
    purpose: "dynamic requests proxied to the application",
    network: "private",
  });
  const dbs = withRole("db");
  if (dbs.length) {
    flows.push({
      id: "app-db",
      from: apps,
      to: { role: "db", hosts: dbs },
      port: PORTS.mysql,
      transport: "tcp",
      protocol: tls.internal ? "mysql+tls" : "mysql",
      encrypted: tls.internal,
      purpose: "queries: writes to the primary, reads from a replica",
      network: "private",
    });
    if (dbs.length > 1)
      flows.push({
        id: "db-replication",
        from: { role: "db", hosts: dbs },
        to: { role: "db", hosts: dbs },
        port: PORTS.mysql,
        transport: "tcp",
        protocol: tls.internal ? "mysql+tls" : "mysql",
        encrypted: tls.internal,
        purpose: "replicas stream the primary's binary log",
        network: "private",
      });
    if (dbs.length > 1 && appUsesDb(stack) && apps.hosts.length)
      flows.push({
        id: "dbproxy-agent",
        from: apps,
        to: { role: "db", hosts: dbs },
        port: PORTS.dbAgentCheck,
        transport: "tcp",
        protocol: "tcp",
        encrypted: tls.internal,
        purpose: "the app hosts' database proxies ask each database agent whether its server takes writes or serves reads",
        network: "private",
      });
    const controllerGroups = dbs.length > 1 ? byRole(ctx.controllers, ctx.roleOf) : [];
    for (const [i, from] of controllerGroups.entries())
      flows.push({
        id: i === 0 ? "controller-agent" : `controller-agent-${from.role}`,
        from,
        to: { role: "db", hosts: dbs },
        port: PORTS.dbAgentApi,
        transport: "tcp",
        protocol: tls.internal ? "https" : "http",
        encrypted: tls.internal,
        purpose: `the failover controller${ctx.controllers.length > 1 ? "s observe" : " observes"} the database agents and tell${ctx.controllers.length > 1 ? "" : "s"} them to fence, promote or follow`,
        network: "private",
      });
  }
  flows.push(...etcdFlows(stack, ctx));
  if (ctx.monitorHost) {
    const mon = { role: "monitor" as Role, hosts: [ctx.monitorHost] };
    const monitoredServers = [...withRole("lb"), ...withRole("web"), ...withRole("app"), ...withRole("db"), ctx.monitorHost];
    const scrape = (id: string, role: Role, hosts: string[], port: number, what: string) =>
      hosts.length && flows.push({ id, from: mon, to: { role, hosts }, port, transport: "tcp", protocol: "prometheus", encrypted: false, purpose: `Prometheus scrapes ${what}`, network: "private" });
    scrape("scrape-node", "monitor", [...new Set(monitoredServers)], PORTS.nodeExporter, "host metrics (node exporter)");
    scrape("scrape-haproxy", "lb", withRole("lb"), PORTS.haproxyMetrics, "HAProxy's built-in exporter");
    scrape("scrape-nginx", "web", withRole("web"), PORTS.nginxExporter, "the nginx exporter");
    scrape("scrape-app", "app", withRole("app"), appPort, "the app's /metrics");
    scrape("scrape-mysql", "db", dbs, PORTS.mysqldExporter, "the MariaDB exporter");
    for (const to of byRole(ctx.etcd, ctx.roleOf))
      flows.push({
        id: `scrape-etcd-${to.role}`,
        from: mon,
        to,
        port: PORTS.etcdMetrics,
        transport: "tcp",
        protocol: "prometheus",
        encrypted: false,
        purpose: "Prometheus scrapes etcd's /metrics (members, leader, proposals; no keys or values)",
        network: "private",
      });
  }
  flows.push(...extraFlows(stack));
  return flows;
}

/** etcd's own flows: members replicate among themselves; controllers and database agents use the client API. */
function etcdFlows(stack: Stack, ctx: FlowContext): Flow[] {
  if (!ctx.etcd.length) return [];
  const tls = stack.tls.mode !== "none";
  const members = byRole(ctx.etcd, ctx.roleOf);
  const from = members[0]!;
  const peers: Flow[] = members.map((to) => ({
    id: `etcd-peer-${to.role}`,
    from: { role: from.role, hosts: [...ctx.etcd] },
    to,
    port: PORTS.etcdPeer,
    transport: "tcp",
    protocol: tls ? "https" : "http",
    encrypted: tls,
    purpose: "etcd members replicate their Raft log and elect a leader (peer TLS from the lab CA)",
    network: "private",
  }));
  const clients = ctx.controllers;
  const clientFlows: Flow[] = members.map((to) => ({
    id: `etcd-client-${to.role}`,
    from: { role: ctx.roleOf(clients[0]!) ?? from.role, hosts: clients },
    to,
    port: PORTS.etcdClient,
    transport: "tcp",
    protocol: tls ? "https" : "http",
    encrypted: tls,
    purpose: "the failover controllers elect their leader and record the primary through etcd's API",
    network: "private",
  }));
  // with the primary lease, every database agent may hold it (the primary's) or take it (a replica being promoted)
  const leaseFlows: Flow[] = ctx.leaseHolders.length
    ? members.map((to) => ({
        id: `etcd-lease-${to.role}`,
        from: { role: ctx.roleOf(ctx.leaseHolders[0]!) ?? "db", hosts: [...ctx.leaseHolders] },
        to,
        port: PORTS.etcdClient,
        transport: "tcp" as const,
        protocol: tls ? ("https" as const) : ("http" as const),
        encrypted: tls,
        purpose: "the primary's database agent holds the primary lease in etcd; a replica takes the key when promoted",
        network: "private" as const,
      }))
    : [];
  return [...peers, ...clientFlows, ...leaseFlows];
}

/** The flows the spec adds in firewall.allow (validation has made sure both ends resolve). */
function extraFlows(stack: Stack): Flow[] {
  return stack.firewall.allow.flatMap((rule, index) => {
    const from = resolveAllowEnd(stack, rule.from);
    const to = resolveAllowEnd(stack, rule.to);
    if (!from || !to) return [];
    const fromVisitors = from.role === "user";
    return [
      {
        id: allowFlowId(rule, index),
        from: { role: from.role, hosts: from.hosts },
        to: { role: to.role, hosts: to.hosts },
        port: rule.port,
        transport: rule.protocol,
        protocol: rule.protocol,
        encrypted: false,
        purpose: `${rule.purpose ?? `declared in firewall.allow[${index}]`}${rule.acceptRisk !== undefined ? `, risk accepted: ${rule.acceptRisk.replace(/["\\\n]/g, " ")}` : ""}`,
        network: fromVisitors ? "public" : "private",
        declared: { index, ...(rule.acceptRisk !== undefined ? { acceptRisk: rule.acceptRisk } : {}) },
      } satisfies Flow,
    ];
  });
}

function buildServices(stack: Stack, hosts: Host[], database: DatabaseModel): Service[] {
  const out: Service[] = [];
  const tcp = (port: number, name: string) => ({ port, protocol: "tcp" as const, name });
  const https = stack.tls.mode !== "none";
  const replicas = hasReplicas(stack);
  for (const h of hosts) {
    const add = (kind: Service["kind"], ports: Service["ports"]) => out.push({ host: h.name, kind, ports });
    if (h.roles.includes("dns")) add("dns", [{ port: PORTS.dns, protocol: "udp", name: "dns" }, tcp(PORTS.dns, "dns")]);
    if (h.roles.includes("lb")) {
      add("haproxy", [tcp(PORTS.http, "http"), ...(https ? [tcp(PORTS.https, "https")] : []), tcp(PORTS.haproxyStats, "stats"), ...(h.monitored ? [tcp(PORTS.haproxyMetrics, "metrics")] : [])]);
      if (stack.loadBalancer && stack.loadBalancer.ha !== "single") add("keepalived", []);
    }
    if (h.roles.includes("web")) {
      const webHttps = https && (stack.tls.mode !== "terminate" || !stack.loadBalancer);
      add("nginx", [tcp(PORTS.http, "http"), ...(webHttps ? [tcp(PORTS.https, "https")] : [])]);
    }
    if (h.roles.includes("app")) add("app", [tcp(stack.app.type === "custom" ? stack.app.port : PORTS.app, stack.tls.internal ? "https" : "http")]);
    if (h.roles.includes("app") && replicas && appUsesDb(stack)) add("db-proxy", [tcp(PORTS.dbProxyWrite, "mysql-write"), tcp(PORTS.dbProxyRead, "mysql-read")]);
    if (h.roles.includes("db")) add("mariadb", [tcp(PORTS.mysql, "mysql")]);
    if (h.roles.includes("db") && replicas) add("db-agent", [tcp(PORTS.dbAgentCheck, "check"), tcp(PORTS.dbAgentApi, stack.tls.internal ? "https" : "http")]);
    if (h.roles.includes("monitor")) {
      add("prometheus", [tcp(PORTS.prometheus, "http")]);
      add("alertmanager", [tcp(PORTS.alertmanager, "http")]);
    }
    if (h.monitored) {
      add("node-exporter", [tcp(PORTS.nodeExporter, "metrics")]);
      if (h.roles.includes("web")) add("nginx-exporter", [tcp(PORTS.nginxExporter, "metrics")]);
      if (h.roles.includes("db")) add("mysqld-exporter", [tcp(PORTS.mysqldExporter, "metrics")]);
    }
    if (database.etcd.includes(h.name)) add("etcd", [tcp(PORTS.etcdClient, "client"), tcp(PORTS.etcdPeer, "peer"), tcp(PORTS.etcdMetrics, "metrics")]);
    if (database.controllers.includes(h.name)) add("failover-controller", [tcp(PORTS.controller, "http")]);
  }
  return out;
}
