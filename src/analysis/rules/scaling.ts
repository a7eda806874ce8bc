// Horizontal scaling: whether adding servers adds capacity, and whether components compete for one server.
import type { Role } from "../../model/types.js";
import type { Finding } from "../types.js";
import { list } from "../words.js";
import type { RuleContext } from "./context.js";

/** Raises `scaling.no-horizontal` (nothing spreads requests) and `scaling.collocated` (several roles share hosts). */
export function scalingRules(ctx: RuleContext): Finding[] {
  return [...noHorizontal(ctx), ...collocated(ctx)];
}

function noHorizontal(ctx: RuleContext): Finding[] {
  const { model, graph } = ctx;
  if (model.loadBalancer) return [];
  const front = [...new Set(graph.nodes.filter((n) => n.stage === "entry").flatMap((n) => n.holders ?? []))];
  if (front.length > 1) return [];
  const host = front[0] ?? "one host";
  return [
    {
      id: "scaling.no-horizontal",
      severity: "medium",
      category: "scalability",
      title: "the site cannot scale out",
      elements: front,
      evidence: `there is no load balancer and ${graph.site} resolves to ${host} alone: a second web server would receive no traffic`,
      impact: `capacity is capped by what ${host} can serve; a traffic surge slows every request or crashes the server`,
      remedy: "add a load balancer in front of the web tier (loadBalancer:) and a second host with role web and app",
    },
  ];
}

function collocated(ctx: RuleContext): Finding[] {
  const shared = ctx.model.hosts.filter((h) => h.kind === "server" && h.roles.length > 1);
  if (!shared.length) return [];
  const withDb = shared.some((h) => h.roles.includes("db"));
  const servers = ctx.model.hosts.filter((h) => h.kind === "server" && !h.roles.includes("lb"));
  const sameRoles = (roles: Role[]) => roles.join(",");
  const allSame = servers.length > 1 && servers.every((h) => sameRoles(h.roles) === sameRoles(shared[0]!.roles));
  const roleWords = (roles: Role[]) => list(roles.map((r) => ROLE_PROCESS[r] ?? r));
  const evidence = allSame
    ? `every server (${list(servers.map((h) => h.name))}) carries the same roles, ${list(shared[0]!.roles)}: ${roleWords(shared[0]!.roles)} compete for each server's CPU, memory and disk`
    : shared.map((h) => `${h.name} carries ${list(h.roles)} (${roleWords(h.roles)} share its CPU, memory and disk)`).join("; ");
  return [
    {
      id: "scaling.collocated",
      severity: withDb ? "medium" : "low",
      category: "scalability",
      title: allSame ? "all servers carry the same components" : "several components share a server",
      elements: shared.map((h) => h.name),
      evidence,
      impact: withDb
        ? "a busy database slows the web and app servers beside it, and the tiers can only grow together: more database capacity means more copies of web and app too"
        : "the tiers can only grow together, and a busy component slows the one beside it",
      remedy: "give each role its own group of servers (one group with roles: [web], one with [app], one with [db]) so each tier is sized and scaled on its own",
    },
  ];
}

const ROLE_PROCESS: Partial<Record<Role, string>> = { web: "nginx", app: "the app", db: "MariaDB", lb: "HAProxy" };
