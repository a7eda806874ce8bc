// The dashboard's charts as PromQL: which series each design gets, every expression accepted by promtool,
// and the combined query evaluated by `promtool test rules` on synthetic series: each line tagged with its
// id, QPS and error ratio right, and an idle site's error rate 0 rather than no value.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import { combinedQuery, dashboardPanels, SERIES_LABEL } from "../../src/render/panels.js";

const hasPromtool = spawnSync("sh", ["-c", "command -v promtool"]).status === 0;
const SKIP = hasPromtool ? undefined : "promtool not installed: apt-get install -y --no-install-recommends prometheus";
const bp = (name: string) => buildModel(loadBlueprint(name));
const ids = (name: string) => Object.fromEntries(dashboardPanels(bp(name)).map((p) => [p.id, p.series.map((s) => s.id)]));

const work = mkdtempSync(join(tmpdir(), "stacklab-dashboard-panels-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8", timeout: 30_000, cwd: work });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("dashboardPanels", () => {
  it("gives design 3 QPS for the site and every tier, per-server QPS, app latency percentiles and error rates", () => {
    expect(ids("3")).toEqual({
      qps: ["site", "web", "app", "db"],
      "qps-host": ["web-host", "app-host"],
      latency: ["p50", "p95", "p99", "lb-avg"],
      errors: ["site-5xx", "app-5xx"],
    });
  });

  it("gives design 2 the same charts (HTTPS ends at its load balancer, so HAProxy sees the answers)", () => {
    expect(ids("2")).toEqual(ids("3"));
  });

  it("gives designs without monitoring no charts at all", () => {
    expect(dashboardPanels(bp("0"))).toEqual([]);
    expect(dashboardPanels(bp("1"))).toEqual([]);
  });

  it("measures site QPS at nginx when there is no load balancer, and leaves out HAProxy's lines", () => {
    const stack = { ...loadBlueprint("0"), monitoring: { system: "prometheus" as const } };
    const panels = dashboardPanels(buildModel(stack));
    const qps = panels.find((p) => p.id === "qps")!;
    expect(qps.series.map((s) => [s.id, s.label])).toEqual([
      ["web", "site (nginx)"],
      ["app", "app tier"],
      ["db", "db queries"],
    ]);
    expect(JSON.stringify(panels)).not.toContain("haproxy");
  });

  it("tags every series of the combined query with its id", () => {
    const q = combinedQuery(dashboardPanels(bp("3")));
    expect(q.match(/label_replace\(/g)).toHaveLength(12);
    for (const id of ["site", "p95", "site-5xx", "app-host"]) expect(q).toContain(`"${SERIES_LABEL}", "${id}"`);
  });
});

describe.skipIf(SKIP)(`the queries against promtool${SKIP ? ` (skipped: ${SKIP})` : ""}`, () => {
  it("parses every expression of designs 2 and 3, alone and combined", () => {
    const rules = ["2", "3"].flatMap((d) => {
      const panels = dashboardPanels(bp(d));
      return [...panels.flatMap((p) => p.series.map((s) => s.expr)), combinedQuery(panels)];
    });
    const file = join(work, "exprs.yml");
    writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules: rules.map((expr, i) => ({ record: `stacklab_dashboard:check_${i}`, expr })) }] }));
    const r = promtool(["check", "rules", file]);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it("evaluates the combined query to one tagged line per series, with QPS, per-host QPS and error ratios right", () => {
    const panels = dashboardPanels(bp("3"));
    const input = [
      // 4 req/s at the frontend, one in four a 5xx; web-1 and web-2 answer 2 req/s each; an idle app
      { series: 'haproxy_frontend_http_requests_total{proxy="www",instance="lb-1"}', values: "0+4x60" },
      { series: 'haproxy_frontend_http_responses_total{proxy="www",code="5xx",instance="lb-1"}', values: "0+1x60" },
      { series: 'haproxy_frontend_http_responses_total{proxy="www",code="2xx",instance="lb-1"}', values: "0+3x60" },
      { series: 'nginx_http_requests_total{instance="web-1"}', values: "0+2x60" },
      { series: 'nginx_http_requests_total{instance="web-2"}', values: "0+2x60" },
      { series: 'foobar_http_requests_total{instance="app-1",status="200",route="/",method="GET"}', values: "0+0x60" },
    ];
    const expr = combinedQuery(panels);
    const file = join(work, "combined.test.yml");
    writeFileSync(
      file,
      stringify({
        rule_files: [],
        evaluation_interval: "1s",
        tests: [
          {
            interval: "1s",
            input_series: input,
            promql_expr_test: [
              {
                expr,
                eval_time: "30s",
                exp_samples: [
                  { labels: `{${SERIES_LABEL}="site"}`, value: 4 },
                  { labels: `{${SERIES_LABEL}="web"}`, value: 4 },
                  { labels: `{${SERIES_LABEL}="app"}`, value: 0 },
                  { labels: `{${SERIES_LABEL}="web-host",instance="web-1"}`, value: 2 },
                  { labels: `{${SERIES_LABEL}="web-host",instance="web-2"}`, value: 2 },
                  { labels: `{${SERIES_LABEL}="app-host",instance="app-1"}`, value: 0 },
                  { labels: `{${SERIES_LABEL}="site-5xx"}`, value: 0.25 },
                  // no request reached the app: its error rate is 0, not a gap
                  { labels: `{${SERIES_LABEL}="app-5xx"}`, value: 0 },
                ],
              },
            ],
          },
        ],
      }),
    );
    const r = promtool(["test", "rules", file]);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });
});
