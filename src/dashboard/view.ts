// The live picture of a lab as one value: each host's health, who holds the entry address, which database
// accepts writes, and a headline a person reads first. Pure: the I/O happens before, in lab.ts.
import type { SizeView } from "./usage.js";
import type { Model } from "../model/types.js";
import type { ActiveFault } from "../runtime/faults/index.js";
import type { HostProbe, ServiceView } from "./health.js";
import type { TopoEntry } from "./topology.js";

/** A host's colour on the page: green, amber (paused, cut off, slowed, a service failing) or red (down). */
export type HostHealth = "ok" | "degraded" | "paused" | "down";

/** One host as the page draws it. */
export interface HostView {
  name: string;
  health: HostHealth;
  /** Faults in force on this host, in words ("crashed", "paused", "200 ms delay"). */
  faults: string[];
  services: ServiceView[];
  /** Entry addresses this host holds now. */
  holds: string[];
  /** For database hosts: primary (accepts writes), replica, or down. */
  db?: "primary" | "replica" | "down";
  /** For sized hosts: CPU and memory against the size, from the host's cgroup. */
  size?: SizeView;
}

/** The entry address and who holds it now (null: nobody, the site is unreachable). */
export interface EntryView extends TopoEntry {
  holder: string | null;
  /** True when the holder is not the one that holds it normally. */
  moved: boolean;
}

/** The database as the app sees it. */
export interface DatabaseView {
  /** The host accepting writes now; null when none does. */
  primary: string | null;
  /** The primary the design starts with. */
  designed: string | null;
  failover: "manual" | "automatic";
  /** More than one host accepts writes (split brain). */
  writable: string[];
}

/** What a person should read first: a level and the problems, worst first. */
export interface Headline {
  level: "ok" | "warn" | "bad";
  text: string;
  problems: string[];
}

/** The answer of /api/state. */
export interface StateView {
  lab: string;
  checkedAt: number;
  hosts: HostView[];
  entry: EntryView | null;
  database: DatabaseView | null;
  headline: Headline;
}

/** What the live roles of the lab are (from liveRoles in the experiment module). */
export interface RolesInput {
  holders: Record<string, string>;
  writable: string[];
  primary: string | null;
}

/** Describes a fault in force on `host`, in a few words. */
export function faultWords(f: ActiveFault, host: string): string | null {
  switch (f.kind) {
    case "down":
      return f.host === host ? (f.how === "kill" ? "crashed" : "shut down") : null;
    case "service":
      return f.host === host ? `${f.service} stopped` : null;
    case "pause":
      return f.host === host ? "paused" : null;
    case "netem":
      return f.host === host ? [f.delayMs ? `${f.delayMs} ms delay` : "", f.lossPct ? `${f.lossPct}% loss` : ""].filter(Boolean).join(", ") : null;
    case "partition":
      return f.hosts.includes(host) ? `cut off from ${f.from.length > 3 ? `${f.from.length} hosts` : f.from.join(", ")}` : null;
    case "stress":
      return f.host === host && f.until > Date.now() ? "under stress" : null;
  }
}

function hostHealth(p: HostProbe, faults: string[], paused: boolean): HostHealth {
  if (!p.up) return "down";
  if (paused) return "paused";
  if (faults.length || p.services.some((s) => s.health === "failing" || s.health === "stopped")) return "degraded";
  return "ok";
}

/** Builds the page's state from the model, the faults in force, the probes and the live roles. */
export function buildStateView(input: { lab: string; model: Model; faults: readonly ActiveFault[]; probes: HostProbe[]; roles: RolesInput; entry: TopoEntry | null; now: number }): StateView {
  const { model, faults, probes, roles } = input;
  const dbHosts = model.hosts.filter((h) => h.roles.includes("db")).map((h) => h.name);
  const hosts: HostView[] = probes.map((p) => {
    const words = faults.map((f) => faultWords(f, p.host)).filter((w): w is string => Boolean(w));
    const paused = faults.some((f) => f.kind === "pause" && f.host === p.host);
    const holds = Object.entries(roles.holders)
      .filter(([, h]) => h === p.host)
      .map(([a]) => a);
    const view: HostView = { name: p.host, health: hostHealth(p, words, paused), faults: words, services: p.services, holds };
    if (dbHosts.includes(p.host)) view.db = !p.up ? "down" : roles.primary === p.host ? "primary" : "replica";
    return view;
  });
  const up = (name: string) => hosts.find((h) => h.name === name)?.health !== "down";
  let entry: EntryView | null = null;
  if (input.entry) {
    const e = input.entry;
    const holder = e.kind === "floating" ? (roles.holders[e.address] ?? null) : up(e.holders[0]!) ? e.holders[0]! : null;
    entry = { ...e, holder, moved: holder !== null && holder !== e.holders[0] };
    if (e.kind === "host" && holder) for (const h of hosts) if (h.name === holder) h.holds = [e.address];
  }
  const database: DatabaseView | null = dbHosts.length ? { primary: roles.primary, designed: model.database.primary, failover: model.database.failover, writable: roles.writable } : null;
  return { lab: input.lab, checkedAt: input.now, hosts, entry, database, headline: headline(model, hosts, entry, database) };
}

/** The problems of the stack, worst first, and whether users are still served. */
export function headline(model: Model, hosts: HostView[], entry: EntryView | null, db: DatabaseView | null): Headline {
  const bad: string[] = [];
  const warn: string[] = [];
  const servers = (role: "web" | "app") => model.hosts.filter((h) => h.roles.includes(role)).map((h) => h.name);
  if (entry && !entry.holder) bad.push(entry.kind === "floating" ? `nobody holds ${entry.address}: the site is unreachable` : `${entry.holders[0]} is down: the site is unreachable`);
  for (const role of ["web", "app"] as const) {
    const all = servers(role);
    if (all.length && all.every((n) => hosts.find((h) => h.name === n)?.health === "down")) bad.push(`every ${role} server is down`);
  }
  if (db && !db.primary) bad.push("no database accepts writes");
  if (db && db.writable.length > 1) bad.push(`${db.writable.join(" and ")} both accept writes`);
  for (const h of hosts) {
    if (h.health === "down") warn.push(`${h.name} down`);
    else if (h.health === "paused") warn.push(`${h.name} paused`);
    else if (h.health === "degraded") {
      const failing = h.services.filter((s) => s.health === "failing" || s.health === "stopped").map((s) => `${s.kind} ${s.health}`);
      warn.push(`${h.name}: ${[...h.faults, ...failing].join(", ")}`);
    }
  }
  if (entry?.moved) warn.push(`${entry.address} moved to ${entry.holder}`);
  if (db?.primary && db.designed && db.primary !== db.designed) warn.push(`${db.primary} is the database primary now`);
  const problems = [...bad, ...warn];
  if (bad.length) return { level: "bad", text: `Users affected: ${bad[0]}`, problems };
  if (warn.length) return { level: "warn", text: "Serving, with problems", problems };
  return { level: "ok", text: "All healthy", problems };
}
