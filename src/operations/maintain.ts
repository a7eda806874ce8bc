// Planned maintenance of one host: hand over what it holds, drain it, stop its services; `--done` brings it back.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Model } from "../model/types.js";
import { UsageError } from "../spec/errors.js";
import { recordEvent } from "../runtime/events.js";
import { runInHost } from "../runtime/host.js";
import { labDir } from "../runtime/paths.js";
import { SERVICES, startOrder } from "../runtime/services/index.js";
import { waitReady } from "../runtime/lifecycle.js";
import { control, serviceState } from "../runtime/supervise.js";
import { isAlive, type LabState } from "../runtime/state.js";
import { labSecrets } from "../runtime/secrets.js";
import { drainApps, setWebState, undrainApps, webSessions } from "./drain.js";
import { manualFailover } from "../failover/manual.js";

export interface MaintenanceStep {
  at: number;
  what: string;
}

export interface MaintenanceReport {
  host: string;
  action: "start" | "done";
  steps: MaintenanceStep[];
  durationMs: number;
}

/** A planned database switchover away from a host; returns the new primary. */
export type Switchover = (state: LabState, model: Model, from: string) => Promise<string>;

/** The failover layer's planned switchover (writes paused briefly, none lost). */
export const dbSwitchover: Switchover = async (state, model) => (await manualFailover(state, model, {})).to;

function maintenanceFile(lab: string): string {
  return join(labDir(lab), "maintenance.json");
}

/** Hosts currently in maintenance, with the services that were stopped. */
export function inMaintenance(lab: string): Record<string, { since: number; services: string[] }> {
  const f = maintenanceFile(lab);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as Record<string, { since: number; services: string[] }>) : {};
}

function saveMaintenance(lab: string, m: Record<string, { since: number; services: string[] }>): void {
  if (Object.keys(m).length) writeFileSync(maintenanceFile(lab), JSON.stringify(m, null, 2));
  else rmSync(maintenanceFile(lab), { force: true });
}

async function floatingHolder(state: LabState, model: Model, address: string): Promise<string | undefined> {
  for (const lb of model.loadBalancer?.hosts ?? []) {
    const hs = state.hosts.find((h) => h.name === lb);
    if (!isAlive(hs?.init)) continue;
    const r = await runInHost(hs!.init!.pid, ["ip", "-4", "-o", "addr", "show"], { check: false, timeoutMs: 3000 });
    if (r.stdout.includes(` ${address}/`)) return lb;
  }
  return undefined;
}

async function until(what: string, timeoutMs: number, test: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`maintenance: ${what} did not happen within ${timeoutMs / 1000} s`);
}

/** Puts a host into maintenance without users noticing: moves the floating IP or the DB primary away, drains, stops. */
export async function startMaintenance(state: LabState, model: Model, host: string, switchover: Switchover = dbSwitchover): Promise<MaintenanceReport> {
  const started = Date.now();
  const h = model.hosts.find((x) => x.name === host);
  if (!h) throw new UsageError(`no host "${host}" in lab ${state.name}`);
  if (h.kind !== "server") throw new UsageError(`${host} is part of the lab itself, not a server of the design`);
  const hs = state.hosts.find((x) => x.name === host)!;
  if (!isAlive(hs.init)) throw new UsageError(`${host} is down; heal or start it first`);
  const current = inMaintenance(state.name);
  if (current[host]) throw new UsageError(`${host} is already in maintenance; end it with \`stacklab maintain ${host} --done\``);
  const steps: MaintenanceStep[] = [];
  const step = (what: string) => {
    steps.push({ at: Date.now() - started, what });
    recordEvent(state.name, { kind: "maintenance", host, message: what, source: "cli" });
  };

  if (h.roles.includes("lb")) {
    const others = (model.loadBalancer?.hosts ?? []).filter((x) => x !== host && isAlive(state.hosts.find((y) => y.name === x)?.init) && !current[x]);
    if (!others.length) throw new UsageError(`${host} is the only working load balancer: maintenance would take the site down`);
    const held: string[] = [];
    for (const entry of model.entryPoints.filter((e) => e.kind === "floating")) if ((await floatingHolder(state, model, entry.address)) === host) held.push(entry.address);
    if (held.length) {
      // 1. New connections to the floating IP are dropped (not refused): the visitor's TCP stack sends its SYN
      //    again a second later, by which time the address lives on the other load balancer.
      await runInHost(hs.init!.pid, ["nft", "-f", "-"], { input: drainRuleset(held) });
      step(`new connections to ${held.join(", ")} held back on ${host}`);
      // 2. Requests already in flight finish on this load balancer.
      await until(`the end of in-flight requests on ${host}`, 10_000, async () => (await frontendSessions(hs.init!.pid)) === 0);
      // 3. A clean keepalived stop sends priority 0: the backup takes the address at once, without a timeout.
      control(state.name, host, "keepalived", "down");
      for (const address of held) {
        await until(`the move of ${address} away from ${host}`, 10_000, async () => {
          const holder = await floatingHolder(state, model, address);
          return holder !== undefined && holder !== host;
        });
        step(`floating IP ${address} handed over to ${await floatingHolder(state, model, address)}`);
      }
      await runInHost(hs.init!.pid, ["nft", "delete", "table", "inet", "stacklab_drain"], { check: false });
    }
  }
  if (h.roles.includes("db") && model.database.primary !== null) {
    const primary = await currentPrimary(state, model);
    if (primary === host) {
      if (!switchover || model.database.replicas.length === 0) throw new UsageError(`${host} holds the write primary and the design has no replica to switch over to`);
      const to = await switchover(state, model, host);
      step(`database primary switched over from ${host} to ${to}`);
    }
  }
  if (h.roles.includes("web") && model.loadBalancer) {
    await setWebState(state, model, host, "drain");
    step(`${host} set to drain on the load balancers`);
    await until(`draining of ${host}'s sessions`, 15_000, async () => (await webSessions(state, model, host)) === 0);
    await setWebState(state, model, host, "maint");
    step(`${host} drained and in maintenance on the load balancers`);
  }
  if (h.roles.includes("app")) {
    if (await drainApps(state, model, [host])) step(`${host} taken out of the web servers' upstreams`);
    else throw new UsageError(`${host} is the only app server: maintenance would take the site down`);
  }
  const services = model.services.filter((s) => s.host === host && SERVICES[s.kind]).map((s) => s.kind as string);
  // Stop in the reverse of start order, the front of the host first, each letting its in-flight work finish.
  for (const kind of startOrder(services).reverse()) await gracefulStop(state, host, kind);
  step(`services stopped on ${host}: ${services.join(", ")}`);
  saveMaintenance(state.name, { ...current, [host]: { since: Date.now(), services } });
  return { host, action: "start", steps, durationMs: Date.now() - started };
}

/** An nftables table that drops new TCP connections to the given addresses (SYN only: established traffic still flows). */
export function drainRuleset(addresses: string[]): string {
  return [
    "table inet stacklab_drain {",
    "  chain input {",
    "    type filter hook input priority -10; policy accept;",
    `    ip daddr { ${addresses.join(", ")} } tcp flags & (syn | ack) == syn drop comment "maintenance: new connections wait for the other load balancer"`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** Client sessions open on HAProxy's user-facing frontend (0 when no request is in flight). */
async function frontendSessions(initPid: number): Promise<number> {
  const r = await runInHost(initPid, ["socat", "-", "UNIX-CONNECT:/run/haproxy/admin.sock"], { input: "show stat -1 1 -1\n", timeoutMs: 3000, check: false });
  const lines = r.stdout.split("\n");
  const header = lines[0]?.replace(/^# /, "").split(",") ?? [];
  const scur = header.indexOf("scur");
  return lines.filter((l) => l.startsWith("www,FRONTEND")).reduce((n, l) => n + Number(l.split(",")[scur] ?? 0), 0);
}

/** Signals that stop a service after its in-flight work: HAProxy's soft stop (USR1), nginx's graceful quit (QUIT). */
const SOFT_STOP: Record<string, "usr1" | "quit"> = { haproxy: "usr1", nginx: "quit" };

/** Stops a service gracefully and waits (bounded) until runit sees it down. */
async function gracefulStop(state: LabState, host: string, kind: string): Promise<void> {
  const soft = SOFT_STOP[kind];
  if (soft) {
    // "once": runit will not restart it when it exits after the soft stop.
    control(state.name, host, kind, "once");
    control(state.name, host, kind, soft);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && serviceState(state.name, host, kind).state.startsWith("run")) await new Promise((r) => setTimeout(r, 50));
  }
  control(state.name, host, kind, "down");
}

/** Ends maintenance: starts the host's services, waits until each is ready, puts the host back in rotation. */
export async function endMaintenance(state: LabState, model: Model, host: string): Promise<MaintenanceReport> {
  const started = Date.now();
  const current = inMaintenance(state.name);
  const entry = current[host];
  if (!entry) throw new UsageError(`${host} is not in maintenance`);
  const h = model.hosts.find((x) => x.name === host)!;
  const steps: MaintenanceStep[] = [];
  const step = (what: string) => {
    steps.push({ at: Date.now() - started, what });
    recordEvent(state.name, { kind: "maintenance", host, message: what, source: "cli" });
  };
  const secrets = labSecrets(state.name);
  // Start everything first (a service may need another of the host's, e.g. the app its local DB proxy),
  // then wait for each in start order.
  const kinds = startOrder(entry.services.filter((k) => k !== "keepalived"));
  for (const kind of kinds) control(state.name, host, kind, "up");
  await waitReady(state, model, host, secrets, { only: kinds });
  step(`services running again on ${host}: ${entry.services.join(", ")}`);
  if (entry.services.includes("keepalived")) await returnFloatingIps(state, model, host, step);
  if (h.roles.includes("app")) {
    await undrainApps(state, model);
    step(`${host} back in the web servers' upstreams`);
  }
  if (h.roles.includes("web") && model.loadBalancer) {
    await setWebState(state, model, host, "ready");
    step(`${host} back in rotation on the load balancers`);
  }
  delete current[host];
  saveMaintenance(state.name, current);
  return { host, action: "done", steps, durationMs: Date.now() - started };
}

/**
 * Starts keepalived on a load balancer back from maintenance. Where it is the preferred holder of a floating IP,
 * it takes the address back (preemption): the current holder first holds back new connections and lets its
 * in-flight requests finish, exactly as a host going into maintenance does.
 */
async function returnFloatingIps(state: LabState, model: Model, host: string, step: (what: string) => void): Promise<void> {
  const wanted = model.entryPoints.filter((e) => e.kind === "floating" && e.holders[0] === host);
  const drained: { pid: number; lb: string }[] = [];
  for (const e of wanted) {
    const holder = await floatingHolder(state, model, e.address);
    const hs = state.hosts.find((x) => x.name === holder);
    if (!holder || !hs?.init) continue;
    await runInHost(hs.init.pid, ["nft", "-f", "-"], { input: drainRuleset([e.address]) });
    await until(`the end of in-flight requests on ${holder}`, 10_000, async () => (await frontendSessions(hs.init!.pid)) === 0);
    drained.push({ pid: hs.init.pid, lb: holder });
  }
  control(state.name, host, "keepalived", "up");
  for (const e of wanted) {
    await until(`the return of ${e.address} to ${host}`, 10_000, async () => (await floatingHolder(state, model, e.address)) === host);
    step(`floating IP ${e.address} back on ${host}`);
  }
  for (const d of drained) await runInHost(d.pid, ["nft", "delete", "table", "inet", "stacklab_drain"], { check: false });
}

/** The database host that currently accepts writes (read_only off), asked of each database host. */
export async function currentPrimary(state: LabState, model: Model): Promise<string | undefined> {
  for (const db of model.hosts.filter((x) => x.roles.includes("db"))) {
    const hs = state.hosts.find((x) => x.name === db.name);
    if (!isAlive(hs?.init)) continue;
    const r = await runInHost(hs!.init!.pid, ["mariadb", "--socket=/run/mysqld/mysqld.sock", "-uroot", "-N", "-B", "-e", "SELECT @@read_only"], { check: false, timeoutMs: 3000 });
    if (r.code === 0 && r.stdout.trim() === "0") return db.name;
  }
  return undefined;
}
