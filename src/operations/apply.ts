// `apply` and `scale`: bring a running lab to a changed design, adding and removing hosts without users noticing.
import { labModel, modelAddresses } from "../runtime/lab-model.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildModel } from "../model/build.js";
import type { Host, Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { validateStack } from "../spec/load.js";
import type { Stack } from "../spec/schema.js";
import { recordEvent } from "../runtime/events.js";
import { addHost, bootHost, removeHost, serviceContext, waitReady } from "../runtime/lifecycle.js";
import { hostDir } from "../runtime/paths.js";
import { labSecrets } from "../runtime/secrets.js";
import { SERVICES } from "../runtime/services/index.js";
import { changeMasterSql, sql } from "../runtime/replication.js";
import { addressOf } from "../runtime/services/types.js";
import { isAlive, procRecord, writeState, type LabState } from "../runtime/state.js";
import { drainApps, setWebState, webSessions } from "./drain.js";
import { currentPrimary, startMaintenance } from "./maintain.js";
import { desiredFiles, diffFiles, reloadsFor, runReloads, writeChanges, type FileChange, type Reload } from "./sync.js";

export interface ApplyPlan {
  lab: string;
  addHosts: string[];
  removeHosts: string[];
  /** Files that change on hosts that stay. */
  changes: FileChange[];
  reloads: Reload[];
  settings: string[];
}

/** Settings that differ between two specs, in words ("loadBalancer.algorithm: roundrobin -> leastconn"). */
function settingChanges(a: Stack, b: Stack): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (path === "servers") return;
    if (x && y && typeof x === "object" && typeof y === "object" && !Array.isArray(x)) {
      for (const k of new Set([...Object.keys(x), ...Object.keys(y as object)])) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${path}: ${JSON.stringify(x) ?? "(none)"} -> ${JSON.stringify(y) ?? "(none)"}`);
  };
  walk(a, b, "");
  return out;
}

/** Checks that a new design can be applied to the running lab, and works out what changes. Changes nothing. */
export async function planApply(state: LabState, next: Stack): Promise<{ plan: ApplyPlan; model: Model; oldModel: Model }> {
  const checked = validateStack(next);
  if (!checked.ok) throw new UsageError(`the new design is invalid: ${checked.problems.map((p) => `[${p.path}] ${p.message}`).join("; ")}`);
  const oldModel = labModel(state);
  if (next.name !== state.spec.name)
    throw new UsageError(`the new design is named "${next.name}", the running one "${state.spec.name}": apply cannot rename a lab; bring the new design up with its own --name`);
  if (next.domain !== state.spec.domain)
    throw new UsageError(`the new design serves ${next.domain}, the lab ${state.spec.domain}: the domain's DNS and certificates cannot change under a running lab`);
  const model = buildModel(next, { slot: state.slot, pinned: modelAddresses(oldModel) });
  for (const h of model.hosts) {
    const before = oldModel.hosts.find((x) => x.name === h.name);
    if (!before) continue;
    const nets = (x: Host) => x.interfaces.map((i) => `${i.network}=${i.address}`).join(",");
    if (nets(before) !== nets(h)) throw new UsageError(`the new design changes the network layout of ${h.name} (${nets(before)} -> ${nets(h)}); that needs a new lab`);
    if (before.roles.join() !== h.roles.join())
      throw new UsageError(`the new design changes the roles of ${h.name} (${before.roles.join(",")} -> ${h.roles.join(",")}); remove it and add a new host instead`);
  }
  const addHosts = model.hosts.filter((h) => !oldModel.hosts.some((x) => x.name === h.name)).map((h) => h.name);
  const removeHosts = oldModel.hosts.filter((h) => !model.hosts.some((x) => x.name === h.name)).map((h) => h.name);
  if (removeHosts.length) {
    const primary = await currentPrimary(state, oldModel);
    if (primary && removeHosts.includes(primary))
      throw new UsageError(`${primary} holds the write primary: switch over first (\`stacklab maintain ${primary}\` or \`stacklab db failover\`), then remove it`);
  }
  const desired = await desiredFiles(state.name, model, labSecrets(state.name));
  const stay = model.hosts.filter((h) => !addHosts.includes(h.name)).map((h) => h.name);
  const changes = diffFiles(state.name, desired, stay);
  return { plan: { lab: state.name, addHosts, removeHosts, changes, reloads: reloadsFor(changes), settings: settingChanges(state.spec, next) }, model, oldModel };
}

/** Applies a plan: firewalls and grants first, new hosts up and ready, removed hosts drained, then every reload. */
export async function applyPlan(state: LabState, next: Stack, plan: ApplyPlan, model: Model, oldModel: Model, log: (line: string) => void = () => undefined): Promise<void> {
  const secrets = labSecrets(state.name);
  const desired = await desiredFiles(state.name, model, secrets);
  recordEvent(state.name, { kind: "scale", message: `apply: +${plan.addHosts.join(",") || "none"} -${plan.removeHosts.join(",") || "none"}, ${plan.changes.length} file(s)`, source: "cli" });

  // 1. What lets new hosts in: firewalls and database accounts on the hosts that stay.
  const early = plan.changes.filter((c) => c.path === "/etc/nftables.conf" || c.path === "/etc/mysql/init.sql");
  writeChanges(state.name, desired, early);
  await runReloads(state, reloadsFor(early));
  for (const c of early.filter((x) => x.path === "/etc/mysql/init.sql")) {
    const hs = state.hosts.find((h) => h.name === c.host);
    if (isAlive(hs?.init)) await sql(hs!.init!.pid, readFileSync(join(hostDir(state.name, c.host), "etc/mysql/init.sql"), "utf8"));
  }

  // 2. New hosts: recorded, files, links, init; ready before anything sends them traffic.
  for (const name of plan.addHosts) {
    const host = model.hosts.find((h) => h.name === name)!;
    await addHost(state, host, desired.get(name)!);
    await Promise.all(model.services.filter((s) => s.host === name).map((s) => SERVICES[s.kind]?.prepare?.(serviceContext(state.name, model, name, secrets))));
    const booted = await bootHost(state, model, name, { firstBoot: true });
    if (host.roles.includes("db")) {
      await waitReady(state, model, name, secrets, { only: ["mariadb"] });
      const primary = (await currentPrimary(state, oldModel)) ?? model.database.primary!;
      await sql(
        booted.init!.pid,
        changeMasterSql(
          model,
          addressOf(
            model.hosts.find((h) => h.name === primary)!,
            "private",
          ),
          secrets,
        ),
      );
    }
    // keepalived joins a pair in BACKUP state: nothing to wait for before it may take over.
    await waitReady(state, model, name, secrets, { skip: ["keepalived"] });
    log(`${name} is up and ready`);
  }

  // 3. Hosts leaving: out of rotation first, with their in-flight work finished.
  for (const name of plan.removeHosts) {
    const host = oldModel.hosts.find((h) => h.name === name)!;
    if (host.roles.includes("lb")) await startMaintenance(state, oldModel, name);
    if (host.roles.includes("web") && oldModel.loadBalancer) {
      await setWebState(state, oldModel, name, "drain");
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (await webSessions(state, oldModel, name)) > 0) await new Promise((r) => setTimeout(r, 50));
    }
    if (host.roles.includes("app")) await drainApps(state, oldModel, [name]);
    log(`${name} drained`);
  }

  // 4. Everything else on the hosts that stay: upstreams, backends, targets, app environments.
  const rest = plan.changes.filter((c) => !early.includes(c));
  writeChanges(state.name, desired, rest);
  const skipped = await runReloads(state, reloadsFor(rest));
  for (const s of skipped) log(`note: ${s}`);
  if (plan.reloads.length) await new Promise((r) => setTimeout(r, 500));

  // 5. Removed hosts go away.
  for (const name of plan.removeHosts) {
    await removeHost(state, name);
    log(`${name} removed`);
  }
  state.spec = next;
  state.addresses = modelAddresses(model);
  writeState(state);
  recordEvent(state.name, { kind: "scale", message: `apply done: ${model.hosts.filter((h) => h.kind === "server").length} servers`, source: "cli" });
}

/** The spec with one tier resized: the group whose roles are exactly `tier` (web, app, db) or whose name is `tier`. */
export function scaledSpec(spec: Stack, tier: string, count: number): Stack {
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`${tier}=${count}: a tier needs at least 1 server`);
  const groups = spec.servers
    .map((g, i) => ({ g, i }))
    .filter(({ g }) => g.name === tier || (!g.name && g.roles.length === 1 && g.roles[0] === tier) || (g.name === undefined && tier === "server" && g.roles.length > 1));
  if (groups.length !== 1) {
    const known = spec.servers.map((g) => g.name ?? (g.roles.length === 1 ? g.roles[0] : "server"));
    throw new UsageError(`no tier "${tier}" in this design; its tiers: ${known.join(", ")}`);
  }
  const servers = spec.servers.map((g, i) => (i === groups[0]!.i ? { ...g, count } : g));
  return { ...spec, servers };
}

export { procRecord };
