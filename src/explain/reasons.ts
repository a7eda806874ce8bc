// Why a host (or a group of identical hosts) is in the design, chosen by rules on its roles and numbers.
import type { Host, Role } from "../model/index.js";
import { count, list, names, type Facts } from "./facts.js";

/** The reason for a group of hosts that carry the same roles. */
export function hostReason(f: Facts, group: Host[]): string {
  const first = group[0]!;
  const who = names(group);
  if (first.roles.includes("user")) return `${who} plays the visitor: a computer somewhere on the Internet with a browser. It belongs to the lab, not to the design; the journey below starts here.`;
  if (first.roles.includes("dns")) return `${who} is there so that visitors can use the name ${f.site} instead of an address. On the real Internet this is the job of the domain's name servers.`;
  if (first.roles.includes("monitor"))
    return (
      `${who} runs the monitoring. It is a host of its own so that it keeps watching, and can raise the alarm, when one of the servers it watches fails.` +
      (f.model.database.controller === first.name ? ` For the same reason it also runs the database failover controller.` : "")
    );
  if (first.roles.includes("lb")) return lbReason(f, group);
  return `${combination(f, group)} ${numbers(f, group)}`.trim();
}

function lbReason(f: Facts, group: Host[]): string {
  const lb = f.model.loadBalancer!;
  if (lb.ha === "single")
    return (
      `${group[0]!.name} is the single front door. It was added so that traffic can be spread over several web servers and so that a failed web server is simply skipped; ` +
      `as the only one, it is itself a single point of failure.`
    );
  return (
    `${list(group.map((h) => h.name))} form a group of ${count(group.length, "load balancer")} sharing the entry address${f.model.entryPoints.length > 1 ? "es" : ""}. ` +
    `One load balancer would spread the traffic; the ${group.length === 2 ? "second" : "others"} ${group.length === 2 ? "is" : "are"} there so that the load balancer is no longer a single point of failure.`
  );
}

const ROLE_SHORT: Record<Role, string> = { user: "user", dns: "dns", lb: "lb", web: "web", app: "app", db: "db", monitor: "monitor" };

/** What carrying this combination of roles means. */
function combination(f: Facts, group: Host[]): string {
  const roles = group[0]!.roles;
  const who = names(group);
  const carries = `${who} ${group.length === 1 ? "carries" : "each carry"} ${list(roles.map((r) => ROLE_SHORT[r]))}`;
  if (roles.length === 3 && group.length === 1 && f.servers.every((h) => h === group[0] || h.roles.includes("lb")))
    return (
      `${carries}: the whole site runs on this one machine. It is the simplest setup there is, one machine to pay for, set up and watch. ` +
      `The price is that everything shares its CPU, memory and disk, and when it goes down, or restarts for an update, the whole site goes with it.`
    );
  if (roles.length > 1)
    return (
      `${carries}: ${list(roles.map(programOf))} share ${group.length === 1 ? "the" : "each"} machine, so they talk to each other without crossing the network. ` +
      `That keeps the number of machines low, but the parts compete for the same CPU, memory and disk, and they can only grow together: ` +
      `more capacity for one of them means another copy of all of them.`
    );
  const role = roles[0]!;
  return (
    `${who} ${group.length === 1 ? "is a dedicated" : "are dedicated"} ${ROLE_NOUN[role]}${group.length === 1 ? "" : "s"}: a tier of their own, ` +
    `so it can be sized and scaled for that job alone, and a heavy load in another tier does not slow it down.`
  );
}

const ROLE_NOUN: Record<Role, string> = {
  user: "visitor",
  dns: "DNS server",
  lb: "load balancer",
  web: "web server",
  app: "application server",
  db: "database server",
  monitor: "monitoring host",
};

function programOf(role: Role): string {
  return role === "web" ? "nginx" : role === "app" ? "the application" : role === "db" ? "MariaDB" : role;
}

/** Why there is one, two or more of them. */
function numbers(f: Facts, group: Host[]): string {
  const roles = group[0]!.roles;
  const db = f.model.database;
  if (group.length > 1) {
    const others = group.length === 2 ? "the other keeps" : "the others keep";
    const dbNote =
      roles.includes("db") && db.replicas.length
        ? ` Their databases are not equal: ${db.primary} holds the primary and ${names(db.replicas)} ${db.replicas.length === 1 ? "a replica" : "replicas"}.`
        : "";
    if (roles.length === 1 && roles[0] === "db") return `There are ${group.length} so that the data exists on more than one machine and a replica can take over from the primary.${dbNote}`;
    return `There are ${group.length} so that they share the load, and so that one can fail, or be taken down for an update, while ${others} serving.${dbNote}`;
  }
  if (roles.length === 3 && f.servers.length === 1) return "";
  const alone = roles.filter((r) => f.withRole(r).length === 1 && STOPS[r]);
  return alone.length ? `It is the only ${list(alone.map((r) => ROLE_NOUN[r]))}: if it fails, ${list(alone.map((r) => STOPS[r]!))}.` : "";
}

const STOPS: Partial<Record<Role, string>> = {
  web: "no page is served",
  app: "every page that needs the application fails",
  db: "the application can neither read nor write its data",
};
