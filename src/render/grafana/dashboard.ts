// A Grafana dashboard (JSON model, importable) with the live dashboard's queries, for people who run
// Grafana against their own Prometheus. Pure: model -> JSON value, the same every run.
import { dashboardPanels, type PanelUnit } from "../panels.js";
import type { Model } from "../../model/types.js";
import { UsageError } from "../../spec/errors.js";

/** The datasource input Grafana asks for on import. */
export const DATASOURCE = { type: "prometheus", uid: "${DS_PROMETHEUS}" } as const;

/** A panel's position on Grafana's 24-column grid. */
export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One Grafana panel, with the fields this renderer uses. */
export interface GrafanaPanel {
  id: number;
  type: "row" | "timeseries" | "stat" | "table";
  title: string;
  gridPos: GridPos;
  description?: string;
  datasource?: typeof DATASOURCE;
  targets?: { refId: string; expr: string; legendFormat: string; datasource: typeof DATASOURCE; instant?: boolean; range?: boolean }[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: GrafanaPanel[];
}

/** The dashboard document Grafana imports. */
export interface GrafanaDashboard {
  __inputs: { name: string; label: string; description: string; type: "datasource"; pluginId: "prometheus"; pluginName: "Prometheus" }[];
  __requires: { type: string; id: string; name: string; version: string }[];
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: "browser";
  editable: boolean;
  refresh: string;
  time: { from: string; to: string };
  schemaVersion: number;
  version: number;
  templating: { list: unknown[] };
  annotations: { list: Record<string, unknown>[] };
  panels: GrafanaPanel[];
}

const UNIT: Record<PanelUnit, string> = { reqps: "reqps", seconds: "s", ratio: "percentunit" };

interface Query {
  expr: string;
  legend: string;
}

function targets(queries: Query[], instant = false): NonNullable<GrafanaPanel["targets"]> {
  return queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), expr: q.expr, legendFormat: q.legend, datasource: DATASOURCE, ...(instant ? { instant: true, range: false } : {}) }));
}

/** Lays panels out left to right, `perRow` to a row, each `h` high, from height `y`; returns the next free height. */
function grid<T>(items: T[], perRow: number, h: number, y: number, make: (item: T, pos: GridPos) => GrafanaPanel): { panels: GrafanaPanel[]; y: number } {
  const w = Math.floor(24 / perRow);
  const panels = items.map((item, i) => make(item, { x: (i % perRow) * w, y: y + Math.floor(i / perRow) * h, w, h }));
  return { panels, y: y + Math.ceil(items.length / perRow) * h };
}

function statusPanels(model: Model): { title: string; description: string; queries: Query[]; type: "stat" | "table"; mappings?: unknown[] }[] {
  const out: ReturnType<typeof statusPanels> = [
    {
      title: "Hosts up",
      description: "1 when Prometheus reached the host's node exporter at the last scrape",
      type: "stat",
      queries: [{ expr: 'up{job="node"}', legend: "{{instance}}" }],
      mappings: [{ type: "value", options: { "0": { text: "DOWN", color: "red" }, "1": { text: "UP", color: "green" } } }],
    },
  ];
  const floating = model.entryPoints.filter((e) => e.kind === "floating");
  if (floating.length)
    out.push({
      title: "Floating IP holder",
      description: `the load balancer holding ${floating.map((e) => e.address).join(", ")} now (the node exporter lists each host's addresses)`,
      type: "stat",
      queries: floating.map((e) => ({ expr: `node_network_address_info{address="${e.address}"}`, legend: "{{instance}} holds {{address}}" })),
    });
  if (model.hosts.some((h) => h.roles.includes("db")) && model.monitoring.host)
    out.push({
      title: "Database primary",
      description: "database hosts accepting writes (read_only off); more than one is a split brain",
      type: "stat",
      queries: [{ expr: "mysql_global_variables_read_only == 0", legend: "{{instance}} accepts writes" }],
    });
  out.push({ title: "Firing alerts", description: "the lab's alert rules that fire now", type: "table", queries: [{ expr: 'ALERTS{alertstate="firing"}', legend: "{{alertname}} {{instance}}" }] });
  return out;
}

/** The Grafana dashboard of a monitored design; throws a UsageError for a design without monitoring. */
export function grafanaDashboard(model: Model): GrafanaDashboard {
  const charts = dashboardPanels(model);
  if (!charts.length) throw new UsageError(`design ${model.name} has no monitoring, so there is nothing for Grafana to chart; add \`monitoring: { system: prometheus }\``);
  let id = 0;
  const panels: GrafanaPanel[] = [];
  const row = (title: string, y: number) => panels.push({ id: ++id, type: "row", title, gridPos: { x: 0, y, w: 24, h: 1 }, collapsed: false, panels: [] });

  row("State", 0);
  const status = grid(statusPanels(model), 4, 5, 1, (s, gridPos) => ({
    id: ++id,
    type: s.type,
    title: s.title,
    description: s.description,
    gridPos,
    datasource: DATASOURCE,
    targets: targets(s.queries, true),
    fieldConfig: { defaults: { ...(s.mappings ? { mappings: s.mappings } : {}), thresholds: { mode: "absolute", steps: [{ color: "green", value: null }] } }, overrides: [] },
    options:
      s.type === "stat" ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, textMode: s.mappings ? "value_and_name" : "name", colorMode: "background" } : { showHeader: true },
  }));
  panels.push(...status.panels);

  row("Traffic", status.y);
  const charted = grid(charts, 2, 8, status.y + 1, (c, gridPos) => ({
    id: ++id,
    type: "timeseries",
    title: c.title,
    description: c.help,
    gridPos,
    datasource: DATASOURCE,
    targets: targets(c.series.map((s) => ({ expr: s.expr, legend: s.byInstance ? `{{instance}} (${s.label})` : s.label }))),
    fieldConfig: { defaults: { unit: UNIT[c.unit], min: 0, custom: { lineWidth: 2, fillOpacity: 10, spanNulls: false } }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
  }));
  panels.push(...charted.panels);

  return {
    __inputs: [{ name: "DS_PROMETHEUS", label: "Prometheus", description: "the Prometheus that scrapes this design", type: "datasource", pluginId: "prometheus", pluginName: "Prometheus" }],
    __requires: [
      { type: "grafana", id: "grafana", name: "Grafana", version: "10.0.0" },
      { type: "datasource", id: "prometheus", name: "Prometheus", version: "1.0.0" },
      { type: "panel", id: "timeseries", name: "Time series", version: "" },
      { type: "panel", id: "stat", name: "Stat", version: "" },
      { type: "panel", id: "table", name: "Table", version: "" },
    ],
    uid: `stacklab-${model.name}`.slice(0, 40),
    title: `stacklab: ${model.name} (${model.domain})`,
    description: model.description ?? "",
    tags: ["stacklab"],
    timezone: "browser",
    editable: true,
    refresh: "5s",
    time: { from: "now-15m", to: "now" },
    schemaVersion: 39,
    version: 1,
    templating: { list: [] },
    annotations: {
      list: [
        { builtIn: 1, datasource: { type: "grafana", uid: "-- Grafana --" }, enable: true, hide: true, iconColor: "rgba(0, 211, 255, 1)", name: "Annotations & Alerts", type: "dashboard" },
        {
          datasource: DATASOURCE,
          enable: true,
          expr: 'ALERTS{alertstate="firing"}',
          iconColor: "red",
          name: "Firing alerts",
          step: "10s",
          titleFormat: "{{alertname}}",
          textFormat: "{{instance}}",
          useValueForTime: false,
        },
      ],
    },
    panels,
  };
}

/** The dashboard as the file Grafana imports (two-space JSON, newline at the end). */
export function renderGrafana(model: Model): string {
  return `${JSON.stringify(grafanaDashboard(model), null, 2)}\n`;
}
