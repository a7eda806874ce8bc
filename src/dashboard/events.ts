// The page's event log: the lab's recorded events (faults, failovers, deploys...) merged with what the dashboard
// saw change between two looks (an alert firing or clearing, the floating IP or the database primary moving).
import type { LabEvent } from "../runtime/events.js";
import type { LabAlert } from "../monitoring/types.js";
import type { StateView } from "./view.js";

/** One line of the page's event log. */
export interface EventView {
  /** Milliseconds since the epoch. */
  time: number;
  /** The lab's event kinds, plus `health` for a host seen going down or coming back. */
  kind: string;
  message: string;
  host?: string;
  /** Who recorded it; "dashboard" for changes the dashboard saw. */
  source?: string;
}

/** Alerts now, for the strip above the log. */
export interface AlertView {
  name: string;
  state: "pending" | "firing";
  severity: string;
  summary: string;
  since: number;
}

/** The answer of /api/events. */
export interface EventsView {
  events: EventView[];
  alerts: AlertView[];
  /** Set when the alerts could not be read (monitoring host down). */
  alertsError?: string;
  /** False for a design without monitoring. */
  monitoring: boolean;
}

/** The lab's event as the page shows it: no `data`, which may hold anything. */
export function fromLabEvent(e: LabEvent): EventView {
  return { time: e.time, kind: e.kind, message: e.message, ...(e.host ? { host: e.host } : {}), ...(e.source ? { source: e.source } : {}) };
}

const alertKey = (a: LabAlert) =>
  `${a.name}|${Object.entries(a.labels)
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}`;

/** Remembers the last look at the lab and turns differences into events. */
export class ChangeObserver {
  private last: StateView | undefined;
  private firing = new Map<string, LabAlert>();
  /** The last host seen holding the entry address, and the last primary: a gap with none does not hide a move. */
  private lastHolder: string | null = null;
  private lastPrimary: string | null = null;
  readonly seen: EventView[] = [];

  /** Compares a new state with the previous one; returns (and keeps) the events for what changed. */
  observeState(view: StateView): EventView[] {
    const prev = this.last;
    this.last = view;
    if (!prev) {
      this.lastHolder = view.entry?.holder ?? null;
      this.lastPrimary = view.database?.primary ?? null;
      return [];
    }
    const out: EventView[] = [];
    const at = view.checkedAt;
    for (const h of view.hosts) {
      const before = prev.hosts.find((x) => x.name === h.name);
      if (!before || before.health === h.health) continue;
      if (h.health === "down") out.push({ time: at, kind: "health", host: h.name, message: `${h.name} is down`, source: "dashboard" });
      else if (before.health === "down") out.push({ time: at, kind: "health", host: h.name, message: `${h.name} is up again`, source: "dashboard" });
    }
    if (prev.entry && view.entry && prev.entry.holder !== view.entry.holder) {
      const e = view.entry;
      const what = `${e.kind === "floating" ? "floating IP" : "entry"} ${e.address}`;
      const before = prev.entry.holder ?? this.lastHolder;
      let message = `nobody holds ${e.address} any more`;
      if (e.holder) message = before && before !== e.holder ? `${what} moved from ${before} to ${e.holder}` : `${what} is held by ${e.holder} again`;
      out.push({ time: at, kind: "failover", message, ...(e.holder ? { host: e.holder } : {}), source: "dashboard" });
    }
    if (prev.database && view.database && prev.database.primary !== view.database.primary) {
      const p = view.database.primary;
      const before = prev.database.primary ?? this.lastPrimary;
      out.push({
        time: at,
        kind: "failover",
        message: p ? `${p} is the database primary${before && before !== p ? ` (was ${before})` : " again"}` : "no database accepts writes",
        ...(p ? { host: p } : {}),
        source: "dashboard",
      });
    }
    this.lastHolder = view.entry?.holder ?? this.lastHolder;
    this.lastPrimary = view.database?.primary ?? this.lastPrimary;
    this.seen.push(...out);
    return out;
  }

  /** Compares the alerts firing now with those firing at the last look; returns (and keeps) fired and cleared events. */
  observeAlerts(alerts: LabAlert[], now: number): EventView[] {
    const out: EventView[] = [];
    const current = new Map(alerts.filter((a) => a.state === "firing").map((a) => [alertKey(a), a]));
    for (const [k, a] of current)
      if (!this.firing.has(k))
        out.push({ time: Date.parse(a.activeAt) || now, kind: "alert", message: `${a.name} firing: ${a.summary}`, ...(a.labels.instance ? { host: a.labels.instance } : {}), source: "Prometheus" });
    for (const [k, a] of this.firing)
      if (!current.has(k))
        out.push({ time: now, kind: "alert", message: `${a.name} cleared (it said: ${a.summary})`, ...(a.labels.instance ? { host: a.labels.instance } : {}), source: "Prometheus" });
    this.firing = current;
    this.seen.push(...out);
    return out;
  }
}

/** The newest `limit` events of both sources at or after `since`, newest first. */
export function mergeEvents(recorded: readonly EventView[], seen: readonly EventView[], since = 0, limit = 200): EventView[] {
  return [...recorded, ...seen]
    .filter((e) => e.time >= since)
    .sort((a, b) => b.time - a.time)
    .slice(0, limit);
}

/** Alerts for the strip: firing first, then pending, oldest first within each. */
export function alertViews(alerts: readonly LabAlert[]): AlertView[] {
  return alerts
    .map((a) => ({ name: a.name, state: a.state, severity: a.severity, summary: a.summary, since: Date.parse(a.activeAt) || 0 }))
    .sort((a, b) => (a.state === b.state ? a.since - b.since : a.state === "firing" ? -1 : 1));
}
