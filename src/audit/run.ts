// `stacklab audit`: every security check against a running lab, at once where they do not disturb each other.
import { openLab } from "../runtime/lab.js";
import { requireRoot } from "../runtime/preflight.js";
import { labSecrets } from "../runtime/secrets.js";
import { checkPlaintext } from "./capture.js";
import { auditContext, timed, type AuditContext, type DashboardReader } from "./context.js";
import { scanFromUser } from "./exposure.js";
import { checkFirewalls } from "./firewall.js";
import { checkGrants } from "./grants.js";
import { readInventories } from "./inventory.js";
import { checkPrivileges } from "./privileges.js";
import { judgeMatrix, judgeVrrp, probeMatrix } from "./reachability.js";
import { checkSecrets } from "./secret-leaks.js";
import { checkTls, TLS_CHECKS } from "./tls-checks.js";
import { checkCaConstraints } from "./ca-constraints.js";
import type { AuditCheck, AuditReport, CheckStatus } from "./types.js";

/** The order checks are reported in. */
export const CHECK_ORDER = [
  "firewall",
  "reachability",
  "vrrp",
  "exposure",
  "https",
  "tls-versions",
  "tls-ciphers",
  "certificates",
  "ca-constraints",
  "redirect",
  "hsts",
  "headers",
  "plaintext",
  "db-grants",
  "privileges",
  "secrets",
];

async function allChecks(ctx: AuditContext): Promise<AuditCheck[]> {
  const inventories = await readInventories(ctx);
  // The capture runs while only the visitor's requests cross the network: the probes below would add traffic no flow declares.
  const quiet = await Promise.all([
    timed([{ id: "plaintext", title: "plaintext on the private segment" }], async () => [await checkPlaintext(ctx)]),
    timed([{ id: "firewall", title: "host firewalls" }], async () => [await checkFirewalls(ctx, inventories)]),
    timed([{ id: "db-grants", title: "database privileges" }], async () => [await checkGrants(ctx)]),
    timed([{ id: "privileges", title: "services run unprivileged" }], async () => [checkPrivileges(ctx, inventories)]),
    timed([{ id: "ca-constraints", title: "lab CA signs only the lab" }], async () => [await checkCaConstraints(ctx.lab, ctx.model)]),
  ]);
  // The secrets check serves the dashboard for a moment, whose health probes would cross the captured segment.
  const probing = await Promise.all([
    timed([{ id: "reachability", title: "reachability matrix" }], async () => {
      const cells = await probeMatrix(ctx, inventories);
      const vrrp = judgeVrrp(ctx.model, inventories);
      return [judgeMatrix(ctx.model, cells), ...(vrrp ? [vrrp] : [])];
    }),
    timed([{ id: "exposure", title: "scan from the user host" }], async () => [await scanFromUser(ctx, inventories)]),
    timed(TLS_CHECKS, () => checkTls(ctx)),
    timed([{ id: "secrets", title: "secrets stay secret" }], async () => [await checkSecrets(ctx, inventories)]),
  ]);
  return [...quiet, ...probing].flat().sort((a, b) => CHECK_ORDER.indexOf(a.id) - CHECK_ORDER.indexOf(b.id));
}

/** Audits a running lab (the only one when no name is given) and returns the report; `dashboardAnswers` serves its dashboard for the secrets check. */
export async function audit(lab: string | undefined, dashboardAnswers: DashboardReader): Promise<AuditReport> {
  requireRoot("audit");
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const { state, model } = openLab(lab);
  const ctx = auditContext(state, model, labSecrets(state.name), dashboardAnswers);
  const down = state.hosts.filter((h) => !ctx.isUp(h.name)).map((h) => h.name);
  const checks = await allChecks(ctx);
  if (down.length) {
    checks.unshift({
      id: "hosts-up",
      title: "every host is up",
      status: "fail",
      summary: `${down.join(", ")} ${down.length > 1 ? "are" : "is"} down: the audit cannot see ${down.length > 1 ? "them" : "it"}`,
      details: [],
      durationMs: 0,
    });
  }
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return {
    lab: state.name,
    design: model.name,
    source: state.source,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    passed: counts.fail === 0,
    counts,
    checks,
  };
}
