// The Grafana export: a dashboard JSON with the live dashboard's queries.
export { grafanaDashboard, renderGrafana, DATASOURCE, type GrafanaDashboard, type GrafanaPanel, type GridPos } from "./dashboard.js";
