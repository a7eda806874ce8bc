// One lab as the dashboard watches it: reads its state, probes, live roles, Prometheus and event log, each at
// most about once a second whatever the number of pages, and keeps what changed between looks.
import { labModel } from "../runtime/lab-model.js";
import type { Model } from "../model/types.js";
import { handleFor } from "../monitoring/handle.js";
import { activeAlerts, promRange } from "../monitoring/query.js";
import type { LabAlert } from "../monitoring/types.js";
import { liveRoles } from "../experiment/targets.js";
import { readEvents } from "../runtime/events.js";
import { activeFaults, type FaultResult } from "../runtime/faults/index.js";
import { openLab, readLabState } from "../runtime/lab.js";
import { labSecrets, type Secrets } from "../runtime/secrets.js";
import type { LabState } from "../runtime/state.js";
import { FAULT_ACTIONS, FaultRunner, type FaultAction } from "./actions.js";
import { cached } from "./cache.js";
import { alertViews, ChangeObserver, fromLabEvent, mergeEvents, type EventsView } from "./events.js";
import { probeHosts, withLiveness } from "./health.js";
import { dashboardPanels } from "../render/panels.js";
import { SeriesStore, type SeriesView } from "./series.js";
import { topology, type Topology } from "./topology.js";
import { buildStateView, type StateView } from "./view.js";
import { UsageSampler } from "./usage.js";

/** The buttons as the page shows them. */
const BUTTONS = Object.fromEntries(Object.entries(FAULT_ACTIONS).map(([k, b]) => [k, { label: b.label, help: b.help }]));

/** The answer of /api/state: the design's picture (fixed) and its live state. */
export interface StateAnswer extends StateView {
  design: { name: string; description: string; source: string; url: string; monitoring: string | null };
  topology: Topology;
  actions: Record<string, { label: string; help: string }>;
}

/** How often each kind of look at the lab may run, at most. */
export const INTERVALS_MS = { state: 900, probes: 1800, roles: 900, series: 900, alerts: 900 } as const;

/** The dashboard's view of one running lab. */
export class DashboardLab {
  readonly name: string;
  private model: Model;
  private specText: string;
  private readonly observer = new ChangeObserver();
  private readonly store: SeriesStore;
  private current!: LabState;
  private readonly runner: FaultRunner;
  private labSecrets: Secrets | undefined;
  private readonly usage: UsageSampler;

  constructor(lab?: string) {
    const { state, model } = openLab(lab);
    this.name = state.name;
    this.current = state;
    this.model = model;
    this.specText = JSON.stringify(state.spec);
    this.runner = new FaultRunner(state.name);
    this.usage = new UsageSampler(state.name);
    this.store = new SeriesStore(dashboardPanels(model), (expr, start, end, stepS) =>
      promRange(handleFor(this.fresh(), this.model), expr, { start: new Date(start * 1000), end: new Date(end * 1000), stepS }),
    );
  }

  /** The lab's state as on disk now (faults and restarted hosts change it); the model follows a changed spec. */
  private fresh(): LabState {
    const state = readLabState(this.name);
    const text = JSON.stringify(state.spec);
    if (text !== this.specText) {
      this.model = labModel(state);
      this.specText = text;
    }
    this.current = state;
    return state;
  }

  private readonly probes = cached(INTERVALS_MS.probes, () => probeHosts(this.fresh(), this.model), { stale: true });
  private readonly roles = cached(INTERVALS_MS.roles, () => liveRoles(this.fresh(), this.model), { stale: true });
  private readonly look = cached(INTERVALS_MS.state, async () => {
    const [probes, roles] = await Promise.all([this.probes(), this.roles()]);
    const state = this.fresh();
    const view = buildStateView({ lab: this.name, model: this.model, faults: activeFaults(state), probes: withLiveness(probes, state), roles, entry: topology(this.model).entry, now: Date.now() });
    this.observer.observeState(view);
    const sizes = this.usage.sample(this.model);
    for (const h of view.hosts) {
      const s = sizes.get(h.name);
      if (s) h.size = s;
    }
    return view;
  });
  private readonly refreshSeries = cached(INTERVALS_MS.series, () => this.store.refresh());
  private readonly alerts = cached(INTERVALS_MS.alerts, async (): Promise<{ alerts: LabAlert[]; error?: string }> => {
    if (!this.model.monitoring.host) return { alerts: [] };
    try {
      const alerts = await activeAlerts(handleFor(this.fresh(), this.model));
      this.observer.observeAlerts(alerts, Date.now());
      return { alerts };
    } catch (err) {
      return { alerts: [], error: err instanceof Error ? err.message : String(err) };
    }
  });

  /** Hosts, services, entry holder, database primary and headline, plus the design's picture. */
  async state(): Promise<StateAnswer> {
    const view = await this.look();
    const m = this.model;
    return {
      ...view,
      design: { name: m.name, description: m.description ?? "", source: this.current.source, url: `https://www.${m.domain}/`, monitoring: m.monitoring.host },
      topology: topology(m),
      actions: BUTTONS,
    };
  }

  /** The charts' points at or after `since` (Unix seconds); `monitoring: false` for a design without it. */
  async series(since = 0): Promise<SeriesView> {
    if (!this.store.panels.length) return { monitoring: false, panels: [], times: [], lines: [] };
    await this.refreshSeries();
    return this.store.view(since);
  }

  /** The event log (recorded events and the changes seen), newest first, and the alerts now. */
  async events(since = 0): Promise<EventsView> {
    // the last look at the state first, so the changes it saw are in this answer
    const [{ alerts, error }] = await Promise.all([this.alerts(), this.look().catch(() => undefined)]);
    const recorded = readEvents(this.name, since).map(fromLabEvent);
    return { events: mergeEvents(recorded, this.observer.seen, since), alerts: alertViews(alerts), monitoring: Boolean(this.model.monitoring.host), ...(error ? { alertsError: error } : {}) };
  }

  /** Injects a fault on a host (the page's buttons). */
  fault(host: string, action: FaultAction): Promise<FaultResult[]> {
    return this.runner.fault(host, action);
  }

  /** Heals one host, or every fault of the lab. */
  heal(host?: string): Promise<FaultResult[]> {
    return this.runner.heal(host);
  }

  /** The lab's secrets, so the server can make sure none leaves in an answer. */
  secrets(): Secrets {
    return (this.labSecrets ??= labSecrets(this.name));
  }
}
