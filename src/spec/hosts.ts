// Host naming shared by validation and the model: how groups expand into named hosts.
import type { Size } from "./size.js";
import type { ServerGroup, ServerRole, Stack } from "./schema.js";

/** The monitoring host's name when the design has monitoring. */
export const MONITOR_HOST = "mon-1";

/** Default name prefix for a group from its roles. */
export function groupPrefix(group: Pick<ServerGroup, "name" | "roles">): string {
  if (group.name) return group.name;
  const roles = [...new Set(group.roles)];
  return roles.length === 1 ? roles[0]! : "server";
}

/** A server after expanding its group. */
export interface ExpandedServer {
  name: string;
  roles: ServerRole[];
  group: number;
  size?: Size;
}

/** Expands server groups into hosts: prefix-1, prefix-2, ... (two groups with one prefix give duplicates, reported by validation). */
export function expandServers(groups: readonly ServerGroup[]): ExpandedServer[] {
  return groups.flatMap((g, group) => Array.from({ length: g.count }, (_, i) => ({ name: `${groupPrefix(g)}-${i + 1}`, roles: [...new Set(g.roles)], group, ...(g.size ? { size: g.size } : {}) })));
}

/** Names of the load-balancer hosts (lb-1, lb-2, ...). */
export function lbHostNames(stack: Pick<Stack, "loadBalancer">): string[] {
  const n = stack.loadBalancer?.count ?? 0;
  return Array.from({ length: n }, (_, i) => `lb-${i + 1}`);
}
