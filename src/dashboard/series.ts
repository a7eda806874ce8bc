// The charts' data: the last minutes of every panel's series at one point per second, refreshed from
// Prometheus with one range query (every series tagged in a combined expression) however many pages watch.
import type { PromSeries } from "../monitoring/types.js";
import { combinedQuery, lineKey, SERIES_LABEL, type Panel, type PanelUnit } from "../render/panels.js";

/** Runs a range query: the expression from `start` to `end` (Unix seconds) every `stepS`. */
export type RangeFetch = (expr: string, start: number, end: number, stepS: number) => Promise<PromSeries[]>;

/** One line of a chart, its values aligned with `times`. */
export interface LineView {
  key: string;
  panel: string;
  label: string;
  values: (number | null)[];
}

/** The answer of /api/series. */
export interface SeriesView {
  /** False for a design without monitoring: the page shows a panel saying so instead of charts. */
  monitoring: boolean;
  panels: { id: string; title: string; unit: PanelUnit; help: string }[];
  /** Unix seconds, one per second, oldest first. */
  times: number[];
  lines: LineView[];
  /** Set when Prometheus could not be read this time (the data shown is older). */
  error?: string;
}

/** How much history the page gets on its first look, and how much a refresh reads again (late scrapes change recent points). */
export const WINDOW_S = 300;
export const OVERLAP_S = 12;

/** A rolling window of every panel's series. */
export class SeriesStore {
  private rows = new Map<number, Map<string, number | null>>();
  private meta = new Map<string, { panel: string; label: string; order: number }>();
  private lastEnd = 0;
  private error: string | undefined;

  constructor(
    readonly panels: readonly Panel[],
    private readonly fetch: RangeFetch,
  ) {}

  /** Reads the seconds since the last refresh (plus an overlap) from Prometheus into the window. */
  async refresh(nowMs = Date.now()): Promise<void> {
    if (!this.panels.length) return;
    const end = Math.floor(nowMs / 1000);
    const start = this.lastEnd ? Math.max(this.lastEnd - OVERLAP_S, end - WINDOW_S) : end - WINDOW_S;
    let series: PromSeries[];
    try {
      series = await this.fetch(combinedQuery(this.panels), start, end, 1);
      this.error = undefined;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      return;
    }
    for (let t = start; t <= end; t++) this.rows.set(t, new Map());
    const defs = this.panels.flatMap((p) => p.series.map((s) => ({ panel: p.id, s })));
    for (const one of series) {
      const order = defs.findIndex((d) => d.s.id === one.metric[SERIES_LABEL]);
      const def = defs[order];
      if (!def) continue;
      const key = lineKey(def.s, one.metric.instance);
      if (!this.meta.has(key)) this.meta.set(key, { panel: def.panel, label: def.s.byInstance ? `${one.metric.instance ?? "?"} (${def.s.label})` : def.s.label, order });
      for (const p of one.points) this.rows.get(Math.round(p.time))?.set(key, Number.isFinite(p.value) ? p.value : null);
    }
    for (const t of this.rows.keys()) if (t <= end - WINDOW_S) this.rows.delete(t);
    this.lastEnd = end;
  }

  /** The points at or after `since` (Unix seconds), as aligned arrays for the charts. */
  view(since = 0): SeriesView {
    // seconds before the first point of any line (a lab just started) are left out, so charts span the data
    const all = [...this.rows.keys()].sort((a, b) => a - b);
    const first = all.find((t) => [...this.rows.get(t)!.values()].some((v) => v !== null)) ?? Infinity;
    const times = all.filter((t) => t >= since && t >= first);
    const lines = [...this.meta.entries()]
      .sort(([a, x], [b, y]) => x.order - y.order || a.localeCompare(b))
      .map(([key, m]) => ({ key, panel: m.panel, label: m.label, values: times.map((t) => this.rows.get(t)?.get(key) ?? null) }));
    return {
      monitoring: true,
      panels: this.panels.map(({ id, title, unit, help }) => ({ id, title, unit, help })),
      times,
      lines,
      ...(this.error ? { error: this.error } : {}),
    };
  }
}
