// Checks a schema-valid spec for impossible designs, collecting every problem at once.
import type { Stack } from "./schema.js";
import type { SpecProblem } from "./errors.js";
import { expandServers, lbHostNames, MONITOR_HOST, RESERVED_HOSTS } from "./hosts.js";

/** Returns every design-level problem of a spec (empty when the design can be built). */
export function checkSemantics(stack: Stack): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const servers = expandServers(stack.servers);
  const lbs = lbHostNames(stack);
  const all = [
    ...lbs.map((name) => ({ name, path: "loadBalancer.count" })),
    ...servers.map((s) => ({ name: s.name, path: `servers[${s.group}]` })),
    ...(stack.monitoring.system === "prometheus" ? [{ name: MONITOR_HOST, path: "monitoring.system" }] : []),
  ];
  const seen = new Map<string, string>();
  for (const h of all) {
    if (RESERVED_HOSTS.includes(h.name)) add(h.path, `host name "${h.name}" is reserved for the lab's ${h.name} host; pick another name`);
    const first = seen.get(h.name);
    if (first) add(h.path, `duplicate host name "${h.name}" (also made by ${first}); give the groups different names`);
    else seen.set(h.name, h.path);
  }
  if (all.length > 200) add("servers", `the design has ${all.length} hosts; a lab holds at most 200`);

  const lb = stack.loadBalancer;
  if (lb) {
    if (lb.ha === "single" && lb.count > 1)
      add("loadBalancer.ha", `${lb.count} load balancers with ha: single; use active-passive (one floating IP) or active-active (one per load balancer)`);
    if (lb.ha !== "single" && lb.count < 2)
      add("loadBalancer.ha", `ha: ${lb.ha} shares a floating IP between load balancers, but loadBalancer.count is ${lb.count}; set count: 2`);
  }

  const withRole = (role: string) => servers.filter((s) => s.roles.includes(role as never));
  if (withRole("web").length === 0) add("servers", "no server has role web: nothing would answer the user's HTTP requests; add web to a group's roles");
  if (withRole("app").length === 0) add("servers", "no server has role app: the application has nowhere to run; add app to a group's roles");
  const dbHosts = withRole("db");
  const needsDb = stack.app.type === "demo" || stack.app.usesDatabase;
  if (needsDb && dbHosts.length === 0) add("servers", "no server has role db, but the application needs a database; add db to a group's roles");

  const db = stack.database;
  if (db.primary !== undefined && !dbHosts.some((h) => h.name === db.primary)) {
    add("database.primary", `"${db.primary}" is not a host with role db${dbHosts.length ? ` (db hosts: ${dbHosts.map((h) => h.name).join(", ")})` : ""}: replicas need a primary`);
  }
  if (dbHosts.length > 1 && db.replication === "none")
    add("database.replication", `${dbHosts.length} hosts have role db but replication is none: replicas need replication from a primary (async or semisync)`);
  if (db.failover === "automatic" && dbHosts.length < 2)
    add("database.failover", "automatic failover needs at least one replica to promote; add a second host with role db");
  if (db.controller !== undefined && !seen.has(db.controller))
    add("database.controller", `"${db.controller}" is not a host of this design`);

  const tls = stack.tls;
  if (!lb && (tls.mode === "terminate" || tls.mode === "reencrypt"))
    add("tls.mode", `tls.mode: ${tls.mode} happens at a load balancer, and this design has none; use passthrough (the web servers end TLS) or add a loadBalancer`);
  if (tls.mode === "none" && tls.internal)
    add("tls.internal", "internal TLS without HTTPS for users makes no sense; set tls.mode too");

  const names = new Set(stack.dns.records.map((r) => r.name));
  stack.dns.records.forEach((r, i) => {
    if (r.type === "A" && r.target !== "entry" && !seen.has(r.target))
      add(`dns.records[${i}].target`, `"${r.target}" is neither "entry" nor a host of this design`);
    if (r.type === "CNAME" && !names.has(r.target.replace(/\.$/, "").replace(`.${stack.domain}`, "")))
      add(`dns.records[${i}].target`, `CNAME target "${r.target}" is not a name in the zone ${stack.domain}`);
    if (r.type === "CNAME" && r.name === "@") add(`dns.records[${i}].name`, "the zone apex (@) cannot be a CNAME");
  });
  if (!stack.dns.records.some((r) => r.name === "www"))
    add("dns.records", `no record for www.${stack.domain}: users could not reach the site by its name`);
  return problems;
}
