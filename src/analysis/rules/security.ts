// Security of the hosts: firewalls, HTTPS for visitors, and a database reachable from the public segment.
import type { Flow } from "../../model/types.js";
import type { Finding } from "../types.js";
import { list } from "../words.js";
import type { RuleContext } from "./context.js";

/** Raises `security.no-firewall`, `security.no-https` and `security.db-public`. */
export function securityRules(ctx: RuleContext): Finding[] {
  return [...noFirewall(ctx), ...noHttps(ctx), ...dbPublic(ctx)];
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
  const fromUser = ctx.model.flows.filter((f) => f.from.role === "user" && f.to.role !== "dns");
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
  const names = exposed.map((h) => h.name);
  return [
    {
      id: "security.db-public",
      severity: unguarded.length ? "high" : "medium",
      category: "security",
      title: "the database is reachable from the public segment",
      elements: names,
      evidence: `${list(names)} run${names.length === 1 ? "s" : ""} MariaDB and ha${names.length === 1 ? "s" : "ve"} an interface on the public network${unguarded.length ? `, and no firewall keeps port 3306 closed on ${list(unguarded.map((h) => h.name))}` : "; only the host firewall keeps port 3306 closed"}`,
      impact: "anyone on the Internet side can try to log in to the database or exploit it, without going through the application",
      remedy: "keep database hosts on the private network only: give db its own servers behind a load balancer, and set firewall.policy: default-deny",
    },
  ];
}

/** True for flows that carry visitors' requests or data (not DNS, VRRP adverts or metric scrapes). */
export function carriesUserData(flow: Flow): boolean {
  return flow.protocol !== "dns" && flow.protocol !== "vrrp" && flow.protocol !== "prometheus";
}
