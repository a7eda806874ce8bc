// The monitoring query API without a lab: the curl it runs inside the monitoring host, how answers
// and errors of Prometheus become typed values, and the text `metrics` and `status` print.
import { spawnSync } from "node:child_process";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CommandResult } from "../../src/runtime/exec.js";

const calls: { pid: number; argv: string[] }[] = [];
let answer: Partial<CommandResult> = {};
vi.mock("../../src/runtime/host.js", () => ({
  runInHost: (pid: number, argv: string[]) => {
    calls.push({ pid, argv });
    return Promise.resolve({ argv, code: 0, signal: null, stdout: "", stderr: "", durationMs: 1, timedOut: false, ...answer });
  },
}));

const { curlArgs, PromQueryError } = await import("../../src/monitoring/http.js");
const { activeAlerts, firingAlerts, parseValue, promQuery, promRange, promVector, scrapeTargets, toResult, MonitoringUnavailableError } = await import("../../src/monitoring/query.js");
const { alertsText, formatValue, resultText, vectorTable } = await import("../../src/monitoring/format.js");
const { UsageError } = await import("../../src/spec/errors.js");

const handle = { lab: "t", host: "mon-1", initPid: 4242 };
const reply = (status: number, body: unknown) => (answer = { code: 0, stdout: `${JSON.stringify(body)}\n${status}` });
const ok = (data: unknown) => reply(200, { status: "success", data });

beforeEach(() => {
  calls.length = 0;
  answer = {};
  process.env.NO_COLOR = "1";
});

describe("the API call", () => {
  it("is curl inside the monitoring host, to Prometheus on loopback, with the query URL-encoded", async () => {
    ok({ resultType: "vector", result: [] });
    await promQuery(handle, 'up{job="node"}');
    expect(calls[0]!.pid).toBe(4242);
    expect(calls[0]!.argv).toEqual(["curl", "-sS", "--max-time", "5", "-w", "\\n%{http_code}", "-G", "--data-urlencode", 'query=up{job="node"}', "http://127.0.0.1:9090/api/v1/query"]);
  });

  it("asks Alertmanager on its own port", () => {
    expect(curlArgs("alertmanager", "/api/v2/alerts").at(-1)).toBe("http://127.0.0.1:9093/api/v2/alerts");
  });

  it("turns a bad query into a usage error (exit 2) that quotes Prometheus", async () => {
    reply(400, { status: "error", errorType: "bad_data", error: 'invalid parameter "query": 1:4: parse error: unexpected end of input' });
    const err = await promQuery(handle, "up{").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromQueryError);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/Prometheus refused the query: .*parse error/);
  });

  it("says which host did not answer when Prometheus is not reachable", async () => {
    answer = { code: 7, stdout: "", stderr: "curl: (7) Failed to connect to 127.0.0.1 port 9090" };
    const err = await promQuery(handle, "up").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MonitoringUnavailableError);
    expect((err as Error).message).toMatch(/prometheus on mon-1 did not answer \/api\/v1\/query: curl: \(7\)/);
  });
});

describe("typed results", () => {
  it("parses vectors, with NaN and infinities as numbers", () => {
    const r = toResult({
      resultType: "vector",
      result: [
        { metric: { job: "node" }, value: [1700000000.5, "1"] },
        { metric: {}, value: [1700000000.5, "NaN"] },
        { metric: {}, value: [1, "+Inf"] },
      ],
    });
    expect(r.type).toBe("vector");
    if (r.type !== "vector") return;
    expect(r.samples[0]).toEqual({ metric: { job: "node" }, time: 1700000000.5, value: 1 });
    expect(r.samples[1]!.value).toBeNaN();
    expect(r.samples[2]!.value).toBe(Infinity);
    expect(parseValue("-Inf")).toBe(-Infinity);
  });

  it("gives range queries as series of points and sends start, end and step", async () => {
    ok({
      resultType: "matrix",
      result: [
        {
          metric: { instance: "web-1" },
          values: [
            [10, "1"],
            [12, "3.5"],
          ],
        },
      ],
    });
    const series = await promRange(handle, "rate(x[10s])", { start: new Date(10_000), end: new Date(12_000), stepS: 2 });
    expect(series).toEqual([
      {
        metric: { instance: "web-1" },
        points: [
          { time: 10, value: 1 },
          { time: 12, value: 3.5 },
        ],
      },
    ]);
    expect(calls[0]!.argv).toEqual(expect.arrayContaining(["start=10", "end=12", "step=2"]));
  });

  it("gives a scalar as a one-sample vector to promVector", async () => {
    ok({ resultType: "scalar", result: [5, "42"] });
    expect(await promVector(handle, "scalar(sum(up))")).toEqual([{ metric: {}, time: 5, value: 42 }]);
  });

  it("keeps pending and firing alerts apart, oldest first", async () => {
    ok({
      alerts: [
        {
          labels: { alertname: "HostDown", instance: "web-1", severity: "critical" },
          annotations: { summary: "host web-1 is down", description: "d" },
          state: "firing",
          activeAt: "2026-01-01T00:00:05Z",
          value: "0e+00",
        },
        { labels: { alertname: "HighQps", severity: "warning" }, annotations: { summary: "busy" }, state: "pending", activeAt: "2026-01-01T00:00:09Z", value: "612" },
        { labels: { alertname: "BackendDown", server: "web-1", severity: "critical" }, annotations: { summary: "lb-1 took web-1 out" }, state: "firing", activeAt: "2026-01-01T00:00:01Z", value: "1" },
      ],
    });
    const all = await activeAlerts(handle);
    expect(all.map((a) => [a.name, a.state])).toEqual([
      ["BackendDown", "firing"],
      ["HostDown", "firing"],
      ["HighQps", "pending"],
    ]);
    expect(all[2]).toMatchObject({ severity: "warning", summary: "busy", description: "", value: 612 });
    ok({ alerts: [] });
    expect(await firingAlerts(handle)).toEqual([]);
  });

  it("lists scrape targets by job and instance", async () => {
    ok({
      activeTargets: [
        { labels: { job: "node", instance: "web-1" }, health: "down", scrapeUrl: "http://198.18.1.12:9100/metrics", lastScrape: "t", lastError: "context deadline exceeded" },
        { labels: { job: "haproxy", instance: "lb-1" }, health: "up", scrapeUrl: "http://198.18.1.10:8405/metrics", lastScrape: "t", lastError: "" },
      ],
    });
    const targets = await scrapeTargets(handle);
    expect(targets.map((t) => `${t.job}/${t.instance}=${t.health}`)).toEqual(["haproxy/lb-1=up", "node/web-1=down"]);
    expect(calls[0]!.argv).toContain("state=active");
  });
});

describe("text", () => {
  it("prints an instant vector as a table with one column per label", () => {
    const text = vectorTable([
      { metric: { __name__: "up", job: "node", instance: "web-1" }, value: 1, time: 0 },
      { metric: { __name__: "up", job: "haproxy", instance: "lb-1" }, value: 0, time: 0 },
    ]);
    expect(text.split("\n")).toEqual(["METRIC  INSTANCE  JOB      VALUE", "up      lb-1      haproxy  0", "up      web-1     node     1"]);
  });

  it("says when nothing matched, and shortens values", () => {
    expect(resultText({ type: "vector", samples: [] })).toBe("no series matched");
    expect(formatValue(7231.505662500001)).toBe("7231.51");
    expect(formatValue(NaN)).toBe("NaN");
    expect(resultText({ type: "scalar", value: 3, time: 0 })).toBe("3");
  });

  it("shows firing alerts in status, or why they cannot be read", () => {
    const alert = { name: "HostDown", state: "firing" as const, severity: "critical", summary: "host web-1 is down", description: "", labels: {}, activeAt: "2026-01-01T10:11:12Z", value: 0 };
    expect(alertsText({ source: "Prometheus on mon-1", firing: [alert], pending: [{ ...alert, name: "HighQps", state: "pending" }] })).toEqual([
      "alerts (Prometheus on mon-1): 1 firing, 1 pending: HighQps",
      "    HostDown              critical host web-1 is down since 10:11:12",
    ]);
    expect(alertsText({ source: "Prometheus on mon-1", firing: [], pending: [] })).toEqual(["alerts (Prometheus on mon-1): none firing"]);
    expect(alertsText({ source: "Prometheus on mon-1", firing: [], pending: [], error: "the monitoring host mon-1 of lab t is down" })[0]).toBe(
      "alerts (Prometheus on mon-1): cannot be read: the monitoring host mon-1 of lab t is down",
    );
  });
});

describe("the failover controller's textfile", () => {
  const sample = { primary: "db-2", state: "watching", lastFailover: { from: "db-1", to: "db-2", at: 1_700_000_000_900 }, failovers: 2 };

  it("lies in the node exporter's textfile folder and holds what FailoverHappened reads", async () => {
    const { renderMetrics } = await import("../../src/failover/controller/metrics.js");
    const { FAILOVER_PATHS } = await import("../../src/render/config/failover.js");
    const { MONITORING_FILES } = await import("../../src/render/config/prometheus.js");
    const { alertRules } = await import("../../src/render/config/alert-rules.js");
    const { buildModel } = await import("../../src/model/index.js");
    const { loadBlueprint } = await import("../../src/blueprints/index.js");
    expect(FAILOVER_PATHS.metrics.startsWith(`${MONITORING_FILES.textfileDir}/`)).toBe(true);
    expect(FAILOVER_PATHS.metrics).toMatch(/\.prom$/);
    const text = renderMetrics(sample);
    expect(text).toMatch(/^stacklab_failover_total 2$/m);
    expect(text).toMatch(/^stacklab_failover_last_timestamp_seconds\{from="db-1",to="db-2"\} 1700000000\.900$/m);
    expect(renderMetrics({ ...sample, lastFailover: null })).not.toMatch(/last_timestamp/);
    // every stacklab_failover* series an alert rule reads is one the controller writes
    const used = new Set(JSON.stringify(alertRules(buildModel(loadBlueprint("3"))), null, 0).match(/stacklab_failover\w*/g) ?? []);
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) expect(text, name).toMatch(new RegExp(`^${name}[{ ]`, "m"));
  });

  it.skipIf(spawnSync("sh", ["-c", "command -v promtool"]).status !== 0)("is valid exposition format (promtool check metrics)", async () => {
    const { renderMetrics } = await import("../../src/failover/controller/metrics.js");
    const r = spawnSync("promtool", ["check", "metrics"], { input: renderMetrics(sample), encoding: "utf8" });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});
