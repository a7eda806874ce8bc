// Checks a schema-valid spec for impossible designs, collecting every problem at once.
import type { Stack } from "./schema.js";
import type { RawProblem } from "./errors.js";
import { expandServers, lbHostNames, MONITOR_HOST, type ExpandedServer } from "./hosts.js";
import { checkDns } from "./semantics-dns.js";
import { checkSecurity } from "./semantics-security.js";
import { PORTS } from "./ports.js";

/** Most hosts one lab holds (its private /24, with room for the lab's own hosts). */
export const MAX_LAB_HOSTS = 200;
/** Most web servers that may face users directly (each is an A record; more do not fit a plain 512-byte DNS answer). */
export const MAX_DIRECT_WEB = 30;

type Add = (at: RawProblem["at"], message: string, onKey?: boolean) => void;

/** Returns every design-level problem of a spec (empty when the design can be built). */
export function checkSemantics(stack: Stack): RawProblem[] {
  const problems: RawProblem[] = [];
  const add: Add = (at, message, onKey) => problems.push({ at, message, ...(onKey ? { onKey } : {}) });
  const servers = expandServers(stack.servers);
  const hostNames = checkHostNames(stack, servers, add);
  checkRoles(stack, servers, add);
  checkLoadBalancer(stack, add);
  checkDatabase(stack, servers, hostNames, add);
  checkTls(stack, add);
  checkAppPort(stack, servers, add);
  checkDns(stack, hostNames, add);
  checkSecurity(stack, add);
  return problems;
}

/** Every host name is made once; returns the set of the design's host names. */
function checkHostNames(stack: Stack, servers: ExpandedServer[], add: Add): Set<string> {
  // Load balancers and the monitoring host have fixed names, so a clash is reported on the server group.
  const all = [
    ...lbHostNames(stack).map((name) => ({ name, at: ["loadBalancer", "count"], what: "the load balancers" })),
    ...(stack.monitoring.system === "prometheus" ? [{ name: MONITOR_HOST, at: ["monitoring", "system"], what: "monitoring" }] : []),
    ...servers.map((s) => ({ name: s.name, at: ["servers", s.group, "name"], what: `servers[${s.group}]` })),
  ];
  const seen = new Map<string, string>();
  const clashes = new Map<string, { at: (string | number)[]; names: string[]; others: Set<string> }>();
  for (const h of all) {
    const first = seen.get(h.name);
    if (first === undefined) {
      seen.set(h.name, h.what);
      continue;
    }
    const clash = clashes.get(h.what) ?? { at: h.at, names: [], others: new Set<string>() };
    clash.names.push(h.name);
    clash.others.add(first);
    clashes.set(h.what, clash);
  }
  for (const c of clashes.values()) {
    const names = c.names.map((n) => `"${n}"`).join(", ");
    add(c.at, `duplicate host name${c.names.length > 1 ? "s" : ""} ${names} (also made by ${[...c.others].join(", ")}); give this group a different name`);
  }
  if (all.length > MAX_LAB_HOSTS) add(["servers"], `the design has ${all.length} hosts; a lab holds at most ${MAX_LAB_HOSTS}`, true);
  return new Set(seen.keys());
}

/** The tiers a request passes through exist: web, app, and db when the app needs one. */
function checkRoles(stack: Stack, servers: ExpandedServer[], add: Add): void {
  const count = (role: string) => servers.filter((s) => (s.roles as string[]).includes(role)).length;
  if (count("web") === 0) add(["servers"], "no server has role web: nothing would answer the users' HTTP requests; add web to a group's roles", true);
  if (count("app") === 0) add(["servers"], "no server has role app: the application has nowhere to run; add app to a group's roles", true);
  const needsDb = stack.app.type === "demo" || stack.app.usesDatabase;
  if (needsDb && count("db") === 0) {
    add(["servers"], "no server has role db, but the application needs a database; add db to a group's roles (or set app.usesDatabase: false for a custom app)", true);
  }
  if (!needsDb && count("db") > 0) add(["app", "usesDatabase"], "is false, but some servers have role db: nothing would use them; drop the db role or set usesDatabase: true");
  const direct = stack.loadBalancer ? 0 : count("web");
  if (direct > MAX_DIRECT_WEB) {
    add(["servers"], `${direct} web servers face users directly, one DNS address each; without a load balancer at most ${MAX_DIRECT_WEB} fit one DNS answer: add a loadBalancer`, true);
  }
}

/** The load-balancer count fits its high-availability mode. */
function checkLoadBalancer(stack: Stack, add: Add): void {
  const lb = stack.loadBalancer;
  if (!lb) return;
  if (lb.ha === "single" && lb.count > 1) {
    add(["loadBalancer", "ha"], `is single, but loadBalancer.count is ${lb.count}; use active-passive (they share one floating IP) or active-active (one floating IP each), or set count: 1`);
  }
  if (lb.ha !== "single" && lb.count < 2) {
    add(["loadBalancer", "count"], `is ${lb.count}, but ha: ${lb.ha} moves floating IPs between load balancers and needs at least 2; set count: 2 or ha: single`);
  }
}

/** The primary is a db host, replicas can follow it, and failover has something to promote. */
function checkDatabase(stack: Stack, servers: ExpandedServer[], hostNames: Set<string>, add: Add): void {
  const db = stack.database;
  const dbHosts = servers.filter((s) => s.roles.includes("db")).map((s) => s.name);
  if (db.primary !== undefined && !dbHosts.includes(db.primary)) {
    const which = hostNames.has(db.primary) ? `"${db.primary}" does not have role db` : `"${db.primary}" is not a host of this design`;
    const known = dbHosts.length ? `; the db hosts are ${dbHosts.join(", ")}` : "; no host has role db";
    add(["database", "primary"], `${which}: the replicas would have no primary to follow${known}`);
  }
  if (dbHosts.length > 1 && db.replication === "none") {
    add(["database", "replication"], `is none, but ${dbHosts.length} hosts have role db (${dbHosts.join(", ")}): replicas need async or semisync replication from the primary`);
  }
  if (db.failover === "automatic" && dbHosts.length < 2) {
    add(["database", "failover"], `is automatic, but there ${dbHosts.length === 1 ? "is one db host" : "are no db hosts"} and no replica to promote; add a second host with role db`);
  }
  if (db.controller !== undefined) {
    if (!hostNames.has(db.controller)) add(["database", "controller"], `"${db.controller}" is not a host of this design (hosts: ${[...hostNames].join(", ")})`);
    else if (db.failover !== "automatic") add(["database", "controller"], "is set, but failover is manual; the controller only runs with failover: automatic");
  }
  if (db.etcd !== undefined) checkEtcd(db.etcd, db.failover, hostNames, add);
  if (db.primaryLease && db.etcd === undefined)
    add(["database", "primaryLease"], "is true, but there is no etcd cluster to hold the lease in; name its hosts, e.g. etcd: [lb-1, lb-2, mon-1], or remove primaryLease");
}

/** etcd members sit on hosts of the design, one per host, and enough of them that losing any one keeps a quorum. */
function checkEtcd(members: string[], failover: Stack["database"]["failover"], hostNames: Set<string>, add: Add): void {
  members.forEach((m, i) => {
    if (!hostNames.has(m)) add(["database", "etcd", i], `"${m}" is not a host of this design (hosts: ${[...hostNames].join(", ")})`);
  });
  const twice = [...new Set(members.filter((m, i) => members.indexOf(m) !== i))];
  if (twice.length)
    add(
      ["database", "etcd"],
      `lists ${twice.map((m) => `"${m}"`).join(", ")} more than once: two members on one host fall together, so that host's loss takes the quorum with it; name each host once, e.g. [db-1, db-2, mon-1]`,
    );
  const distinct = new Set(members).size;
  if (failover === "automatic" && distinct < 3)
    add(
      ["database", "etcd"],
      `has ${distinct} host${distinct === 1 ? "" : "s"}: a quorum of ${Math.floor(distinct / 2) + 1} of ${distinct} is lost with any one host, and automatic failover would stop with it; name at least 3 hosts, e.g. [db-1, db-2, mon-1]`,
    );
  if (failover !== "automatic") add(["database", "etcd"], "is set, but failover is manual; the etcd members only serve automatic failover");
}

/** The TLS mode is one the tier layout can carry out. */
function checkTls(stack: Stack, add: Add): void {
  const tls = stack.tls;
  if (!stack.loadBalancer && (tls.mode === "terminate" || tls.mode === "reencrypt")) {
    add(["tls", "mode"], `is ${tls.mode}, which happens at a load balancer, and this design has none; use passthrough (the web servers end TLS) or add a loadBalancer`);
  }
  if (tls.mode === "none" && tls.internal) add(["tls", "internal"], "is true, but tls.mode is none: encrypting internal hops while users talk plain HTTP protects nothing; set tls.mode too");
}

/** A custom app's port is free on every host the app shares with other services. */
function checkAppPort(stack: Stack, servers: ExpandedServer[], add: Add): void {
  if (stack.app.type !== "custom") return;
  const port = stack.app.port;
  const monitored = stack.monitoring.system === "prometheus";
  for (const s of servers.filter((h) => h.roles.includes("app"))) {
    const taken = new Map<number, string>();
    if (s.roles.includes("web")) [PORTS.http, PORTS.https, PORTS.nginxStatus].forEach((p) => taken.set(p, "nginx"));
    if (s.roles.includes("db")) taken.set(PORTS.mysql, "MariaDB");
    if (monitored) {
      taken.set(PORTS.nodeExporter, "the node exporter");
      if (s.roles.includes("web")) taken.set(PORTS.nginxExporter, "the nginx exporter");
      if (s.roles.includes("db")) taken.set(PORTS.mysqldExporter, "the MariaDB exporter");
    }
    const user = taken.get(port);
    if (user) {
      add(["app", "port"], `${port} is already used by ${user} on ${s.name}, which also runs the app; pick another port`);
      return;
    }
  }
}
