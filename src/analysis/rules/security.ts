// Security of the hosts: firewalls, HTTPS for visitors, and a database reachable from the public segment.
import type { Flow } from "../../model/types.js";
import { PORTS } from "../../spec/ports.js";
import type { Finding } from "../types.js";
import { list } from "../words.js";
import { exposedDatabases, type AllowRole } from "../../spec/firewall-allow.js";
import type { RuleContext } from "./context.js";

/** Raises `security.no-firewall`, `security.no-https`, `security.db-public` and the findings on flows the spec adds in firewall.allow. */
export function securityRules(ctx: RuleContext): Finding[] {
  return [...noFirewall(ctx), ...noHttps(ctx), ...dbPublic(ctx), ...openedToVisitors(ctx)];
}

function noFirewall(ctx: RuleContext): Finding[] {
  const open = ctx.model.hosts.filter((h) => h.kind === "server" && !h.firewall).map((h) => h.name);
  if (!open.length) return [];
  return [
    {
      id: "security.no-firewall",
      severity: "high",
      category: "security",
      title: "no firewall",
      elements: open,
      evidence: `${list(open)} run${open.length === 1 ? "s" : ""} no firewall (firewall.policy: ${ctx.model.firewall}): every port a service listens on, database and admin ports included, answers any host on its networks`,
      impact: "an attacker who reaches one of these networks can talk to every service directly, skipping the load balancer and the web server",
      remedy: "set firewall.policy: default-deny so each host accepts only the flows the design needs",
    },
  ];
}

function noHttps(ctx: RuleContext): Finding[] {
  const fromUser = ctx.model.flows.filter((f) => f.from.role === "user" && f.to.role !== "dns" && !f.declared);
  if (!fromUser.length || fromUser.some((f) => f.encrypted)) return [];
  const plainInside = ctx.model.flows.filter(carriesUserData).filter((f) => f.network === "private" && !f.encrypted);
  return [
    {
      id: "security.no-https",
      severity: "high",
      category: "security",
      title: "no HTTPS",
      elements: fromUser.map((f) => f.id),
      evidence: `visitors reach ${fromUser[0]!.to.hosts.join(", ")} only over ${list(fromUser.map((f) => `${f.protocol.toUpperCase()} on port ${f.port}`))} (tls.mode: ${ctx.model.tls.mode})${plainInside.length ? `, and behind it ${list(plainInside.map((f) => f.id))} are plaintext too` : ""}`,
      impact: "passwords, session cookies and pages cross the Internet in clear text: anyone on the way can read or change them, and browsers mark the site as not secure",
      remedy: "set tls.mode to passthrough or reencrypt (HTTPS to the web servers), with tls.internal: true for the hops behind them",
    },
  ];
}

function dbPublic(ctx: RuleContext): Finding[] {
  const exposed = ctx.model.hosts.filter((h) => h.roles.includes("db") && h.interfaces.some((i) => i.network === "public"));
  if (!exposed.length) return [];
  const unguarded = exposed.filter((h) => !h.firewall);
  const opened = ctx.model.flows.filter((f) => f.declared && f.from.role === "user" && f.port === PORTS.mysql && f.to.hosts.some((h) => exposed.some((e) => e.name === h)));
  const names = exposed.map((h) => h.name);
  const guard = unguarded.length
    ? `, and no firewall keeps port 3306 closed on ${list(unguarded.map((h) => h.name))}`
    : opened.length
      ? `, and ${list(opened.map((f) => `firewall.allow[${f.declared!.index}]`))} opens port 3306 to visitors`
      : "; only the host firewall keeps port 3306 closed";
  return [
    {
      id: "security.db-public",
      severity: unguarded.length || opened.length ? "high" : "medium",
      category: "security",
      title: "the database is reachable from the public segment",
      elements: names,
      evidence: `${list(names)} run${names.length === 1 ? "s" : ""} MariaDB and ha${names.length === 1 ? "s" : "ve"} an interface on the public network${guard}`,
      impact: "anyone on the Internet side can try to log in to the database or exploit it, without going through the application",
      remedy: "keep database hosts on the private network only: give db its own servers behind a load balancer, and set firewall.policy: default-deny",
    },
  ];
}

/**
 * Flows of firewall.allow that visitors may open: to a database host only with acceptRisk (`security.accepted-risk.<flow>`, high),
 * to any other port of the entry hosts as `security.extra-public-port.<flow>` (medium).
 */
function openedToVisitors(ctx: RuleContext): Finding[] {
  const dbHosts = new Set(ctx.model.hosts.filter((h) => h.roles.includes("db")).map((h) => h.name));
  return ctx.model.flows
    .filter((f) => f.declared && f.from.role === "user")
    .map((f): Finding => {
      const dbs = exposedDatabases({ role: f.to.role as AllowRole, hosts: f.to.hosts }, f.port, dbHosts);
      const where = `${f.transport.toUpperCase()} port ${f.port} of ${list(f.to.hosts)}`;
      const at = `firewall.allow[${f.declared!.index}]`;
      if (dbs.length)
        return {
          id: `security.accepted-risk.${f.id}`,
          severity: "high",
          category: "security",
          title: "the database is open to visitors (accepted risk)",
          elements: [f.id, ...f.to.hosts],
          evidence: `${at} (flow ${f.id}) lets anyone on the public side open ${where}, which run${dbs.length === 1 ? "s" : ""} MariaDB; the spec accepts the risk: "${f.declared!.acceptRisk ?? ""}"`,
          impact:
            "anyone on the Internet side can try passwords against the database or exploit it directly, without going through the application; the audit's scan from the user host reports the port",
          remedy: `remove ${at}; give administrators a way in from the private side (a bastion host, a VPN) instead`,
        };
      return {
        id: `security.extra-public-port.${f.id}`,
        severity: "medium",
        category: "security",
        title: "an extra port is open to visitors",
        elements: [f.id, ...f.to.hosts],
        evidence: `${at} (flow ${f.id}) lets anyone on the public side open ${where}${f.declared!.acceptRisk ? ` (accepted: "${f.declared!.acceptRisk}")` : ""}, beyond the site's HTTP and HTTPS`,
        impact: "every port open to the Internet is one more service attackers can probe; the audit's scan from the user host reports it",
        remedy: `restrict ${at} to the hosts that need it (from: a role or host of the design), or remove it`,
      };
    });
}

/** True for flows that carry visitors' requests or data (not DNS, VRRP adverts or metric scrapes). */
export function carriesUserData(flow: Flow): boolean {
  return flow.protocol !== "dns" && flow.protocol !== "vrrp" && flow.protocol !== "prometheus";
}
