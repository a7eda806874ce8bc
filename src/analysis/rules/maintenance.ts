// Downtime during maintenance and deploys: a tier with one instance goes down whenever that instance restarts.
import type { Role } from "../../model/types.js";
import { hostsWithRole } from "../paths.js";
import type { Finding } from "../types.js";
import type { RuleContext } from "./context.js";

const WHY: Record<"lb" | "web" | "app" | "db", { what: string; when: string }> = {
  lb: { what: "HAProxy", when: "an HAProxy upgrade or a reboot for a kernel update" },
  web: { what: "nginx", when: "an nginx upgrade, a setting that needs a restart, or a reboot" },
  app: { what: "the application", when: "every deploy of a new version (the app restarts)" },
  db: { what: "MariaDB", when: "a MariaDB upgrade, a setting that needs a restart, or a reboot" },
};

/** Raises `maintenance.single-instance.<role>` for each tier that has exactly one host. */
export function maintenanceRules(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const role of ["lb", "web", "app", "db"] as const) {
    const hosts = hostsWithRole(ctx.model, role as Role);
    if (hosts.length !== 1) continue;
    const host = hosts[0]!;
    const why = WHY[role];
    out.push({
      id: `maintenance.single-instance.${role}`,
      severity: "medium",
      category: "maintenance",
      title: `the ${role} tier has one instance, so maintenance means downtime`,
      elements: [host],
      evidence: `${host} is the only host with role ${role}, so ${why.when} stops ${why.what} with no other host to take its requests`,
      impact: `planned work on ${why.what} takes the site${role === "db" ? "'s data" : ""} offline for visitors: deploys and upgrades have to wait for a maintenance window`,
      remedy: `run role ${role} on at least two hosts and restart them one at a time (drain one, update it, put it back)`,
    });
  }
  return out;
}
