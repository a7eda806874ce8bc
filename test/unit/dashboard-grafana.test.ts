// The Grafana export: an importable dashboard with the live dashboard's queries. Its structure (unique ids,
// panels on the 24-column grid without overlaps, one datasource input), which panels each design gets,
// every query accepted by promtool, and the CLI writing it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { dashboardPanels } from "../../src/render/panels.js";
import { grafanaDashboard, renderGrafana, type GrafanaPanel } from "../../src/render/grafana/index.js";
import { UsageError } from "../../src/spec/errors.js";

const ROOT = join(import.meta.dirname, "..", "..");
const hasPromtool = spawnSync("sh", ["-c", "command -v promtool"]).status === 0;
const bp = (name: string) => buildModel(loadBlueprint(name));
const work = mkdtempSync(join(tmpdir(), "stacklab-grafana-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const leaves = (panels: GrafanaPanel[]) => panels.filter((p) => p.type !== "row");
const overlap = (a: GrafanaPanel["gridPos"], b: GrafanaPanel["gridPos"]) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe.each(["2", "3"])("the Grafana dashboard of design %s", (name) => {
  const model = bp(name);
  const d = grafanaDashboard(model);

  it("asks for one Prometheus datasource on import and uses it in every panel and query", () => {
    expect(d.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    for (const p of leaves(d.panels)) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${DS_PROMETHEUS}" });
      for (const t of p.targets ?? []) expect(t.datasource).toEqual(p.datasource);
    }
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.uid).toBe("stacklab-foobar");
  });

  it("gives every panel a unique id and a place on the 24-column grid that no other panel takes", () => {
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of d.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w).toBeGreaterThan(0);
    }
    for (const [i, a] of d.panels.entries()) for (const b of d.panels.slice(i + 1)) expect(overlap(a.gridPos, b.gridPos), `${a.title} / ${b.title}`).toBe(false);
  });

  it("charts exactly the live dashboard's queries, one target per line, with the right units", () => {
    const charts = d.panels.filter((p) => p.type === "timeseries");
    const live = dashboardPanels(model);
    expect(charts.map((c) => c.title)).toEqual(live.map((p) => p.title));
    for (const [i, c] of charts.entries()) {
      expect(c.targets!.map((t) => t.expr)).toEqual(live[i]!.series.map((s) => s.expr));
      expect(c.targets!.map((t) => t.refId)).toEqual(live[i]!.series.map((_, j) => String.fromCharCode(65 + j)));
    }
    expect(charts.map((c) => c.fieldConfig!.defaults.unit)).toEqual(["reqps", "reqps", "s", "percentunit"]);
    expect(charts.find((c) => c.title === "Requests per second, by server")!.targets![0]!.legendFormat).toBe("{{instance}} (nginx)");
  });

  it("is the same text every time it is rendered", () => {
    expect(renderGrafana(model)).toBe(renderGrafana(model));
  });
});

describe("panels that depend on the design", () => {
  it("shows who holds the floating IP on design 3 only, and the writable database on both", () => {
    const titles = (n: string) =>
      leaves(grafanaDashboard(bp(n)).panels)
        .filter((p) => p.type !== "timeseries")
        .map((p) => p.title);
    expect(titles("3")).toEqual(["Hosts up", "Floating IP holder", "Database primary", "Firing alerts"]);
    expect(titles("2")).toEqual(["Hosts up", "Database primary", "Firing alerts"]);
    const vip = leaves(grafanaDashboard(bp("3")).panels).find((p) => p.title === "Floating IP holder")!;
    expect(vip.targets![0]!.expr).toBe(`node_network_address_info{address="${bp("3").entryPoints[0]!.address}"}`);
  });

  it("refuses a design without monitoring, saying what to add", () => {
    expect(() => grafanaDashboard(bp("1"))).toThrow(UsageError);
    expect(() => grafanaDashboard(bp("1"))).toThrow(/monitoring: \{ system: prometheus \}/);
  });
});

describe.skipIf(!hasPromtool)("every query against promtool", () => {
  it("parses", () => {
    const exprs = ["2", "3"].flatMap((n) => leaves(grafanaDashboard(bp(n)).panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr)));
    const file = join(work, "grafana.yml");
    writeFileSync(file, stringify({ groups: [{ name: "grafana", rules: exprs.map((expr, i) => ({ record: `stacklab_grafana:check_${i}`, expr })) }] }));
    const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS/);
  });
});

describe("stacklab dashboard --grafana", () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin", "stacklab.js"), ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const built = spawnSync("test", ["-f", join(ROOT, "dist", "cli", "commands", "dashboard.js")]).status === 0;

  it.skipIf(!built)("writes the dashboard of a blueprint, and exits 2 for a design without monitoring", () => {
    const file = join(work, "d3.json");
    const r = cli(["dashboard", "--grafana", file, "--blueprint", "3", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ file, design: "foobar", panels: 8 });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(grafanaDashboard(bp("3")));
    const bad = cli(["dashboard", "--grafana", join(work, "d1.json"), "--blueprint", "1"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/has no monitoring/);
  });
});
