// Groups the model's hosts for drawing: tiers of hosts with the same roles, and where each sits (public, private, or both).
import type { Host, Model, NetworkName, Role } from "../../model/types.js";

/** Hosts with the same roles, drawn together in one box. */
export interface Tier {
  /** Cluster id, e.g. `cluster_tier_web`. */
  id: string;
  label: string;
  roles: Role[];
  hosts: string[];
  placement: Placement;
}

/** Which network cluster a host or tier is drawn in; `both` sits between the two. */
export type Placement = NetworkName | "both";

/** Where a host is drawn: in the network cluster it is wholly on, or between them when it has a leg in each. */
export function placementOf(host: Host): Placement {
  const nets = new Set(host.interfaces.map((i) => i.network));
  if (nets.size > 1) return "both";
  return nets.has("private") ? "private" : "public";
}

const ROLE_TITLE: Partial<Record<Role, string>> = {
  lb: "load balancers",
  web: "web servers",
  app: "application servers",
  db: "database servers",
};

/** Groups the design's servers into tiers by their roles, in the model's order. */
export function tiersOf(model: Model): Tier[] {
  const tiers: Tier[] = [];
  for (const host of model.hosts.filter((h) => h.kind === "server")) {
    const key = host.roles.join("_");
    const placement = placementOf(host);
    const found = tiers.find((t) => t.id === `cluster_tier_${key}`);
    if (found) {
      found.hosts.push(host.name);
      if (found.placement !== placement) found.placement = "both";
      continue;
    }
    const title = host.roles.length === 1 ? (ROLE_TITLE[host.roles[0]!] ?? host.roles[0]!) : `servers: ${host.roles.join(" + ")}`;
    tiers.push({ id: `cluster_tier_${key}`, label: title, roles: [...host.roles], hosts: [host.name], placement });
  }
  return tiers;
}
