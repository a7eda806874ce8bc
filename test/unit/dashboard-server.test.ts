// The dashboard's HTTP server with a fake lab, on a free loopback port: the page carries this run's token,
// the buttons refuse requests without it or from another site, answers never carry a secret, and only
// the page's own files are served.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard, type DashboardBackend, type RunningDashboard } from "../../src/dashboard/server.js";
import type { Secrets } from "../../src/runtime/secrets.js";
import { isLoopback, refusal } from "../../src/dashboard/guard.js";

const SECRETS: Secrets = { mysqlRoot: "rootpw-0123456789", app: "apppw-0123456789", replication: "replpw-0123456789", monitor: "monpw-0123456789" };

const calls: string[] = [];
const backend: DashboardBackend = {
  state: async () => ({ hosts: [{ name: "db-1" }], leak: `password=${SECRETS.app}` }),
  series: async (since) => ({ monitoring: true, since }),
  events: async () => ({ events: [{ message: `replication user ${SECRETS.replication}` }] }),
  fault: async (host, action) => {
    calls.push(`${action} ${host}`);
    return [{ message: `did ${action} on ${host}` }];
  },
  heal: async (host) => {
    calls.push(`heal ${host ?? "all"}`);
    return [];
  },
  secrets: () => SECRETS,
};

let dash: RunningDashboard;
beforeAll(async () => {
  dash = await startDashboard(backend, 0);
});
afterAll(() => dash.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: dash.port, method, path, headers: opts.headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

const post = (path: string, value: unknown, headers: Record<string, string> = {}) =>
  call("POST", path, { headers: { "content-type": "application/json", "x-stacklab-token": dash.token, origin: `http://127.0.0.1:${dash.port}`, ...headers }, body: JSON.stringify(value) });

describe("the dashboard server", () => {
  it("listens on 127.0.0.1 only", () => {
    expect(dash.url).toBe(`http://127.0.0.1:${dash.port}/`);
    expect(dash.server.address()).toMatchObject({ address: "127.0.0.1" });
  });

  it("serves the page with this run's token and a strict content security policy", async () => {
    const r = await call("GET", "/");
    expect(r.status).toBe(200);
    expect(r.body).toContain(`<meta name="stacklab-token" content="${dash.token}" />`);
    expect(r.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(r.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
    expect(dash.token).toMatch(/^[\w-]{32}$/);
  });

  it("serves the page's scripts and uPlot, and nothing else from disk", async () => {
    for (const path of ["/assets/app.js", "/assets/topology.js", "/assets/style.css", "/vendor/uplot.js", "/vendor/uplot.css"]) expect((await call("GET", path)).status, path).toBe(200);
    expect((await call("GET", "/vendor/uplot.js")).body).toMatch(/uPlot/);
    for (const path of ["/assets/../../package.json", "/assets/%2e%2e/%2e%2e/package.json", "/package.json", "/assets/index.html.bak"]) expect((await call("GET", path)).status, path).toBe(404);
  });

  it("passes `since` to the series", async () => {
    expect(JSON.parse((await call("GET", "/api/series?since=1234")).body)).toEqual({ monitoring: true, since: 1234 });
  });

  it("never sends a secret: values found in an answer are replaced by placeholders", async () => {
    const bodies = await Promise.all(["/api/state", "/api/events"].map(async (p) => (await call("GET", p)).body));
    for (const body of bodies) for (const secret of Object.values(SECRETS)) expect(body).not.toContain(secret);
    expect(bodies[0]).toContain("password=<secret:app>");
  });

  it("runs a fault and a heal for the page", async () => {
    const r = await post("/api/fault", { host: "lb-1", action: "kill" });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ results: [{ message: "did kill on lb-1" }] });
    expect((await post("/api/heal", {})).status).toBe(200);
    expect(calls).toEqual(["kill lb-1", "heal all"]);
  });

  it("refuses the buttons without the token, with a wrong one, from another site, or without JSON", async () => {
    calls.length = 0;
    const noToken = await call("POST", "/api/fault", { headers: { "content-type": "application/json" }, body: JSON.stringify({ host: "lb-1", action: "kill" }) });
    expect(noToken.status).toBe(403);
    expect((await post("/api/fault", { host: "lb-1", action: "kill" }, { "x-stacklab-token": "x".repeat(32) })).status).toBe(403);
    expect((await post("/api/heal", {}, { origin: "http://evil.example" })).status).toBe(403);
    // a cross-site HTML form can only send form encodings
    expect((await post("/api/heal", {}, { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect(calls).toEqual([]);
  });

  it("refuses a Host header other than the loopback address (DNS rebinding)", async () => {
    expect((await call("GET", "/api/state", { headers: { host: `attacker.example:${dash.port}` } })).status).toBe(421);
    expect((await call("GET", "/api/state", { headers: { host: `localhost:${dash.port}` } })).status).toBe(200);
  });

  it("answers a bad fault request with 400 and what to send", async () => {
    const r = await post("/api/fault", { host: "lb-1", action: "explode" });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toMatch(/unknown action "explode"; one of kill, stop, pause, partition, delay/);
    expect((await post("/api/fault", { action: "kill" })).status).toBe(400);
    expect((await call("GET", "/api/nothing")).status).toBe(404);
  });
});

describe("guard", () => {
  it("knows loopback peers", () => {
    expect(["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.1.2.3"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["198.18.0.10", "::ffff:198.18.0.11", undefined].map(isLoopback)).toEqual([false, false, false]);
  });

  it("refuses any peer that is not on loopback, even with the token", () => {
    expect(refusal({ method: "GET", remote: "198.18.0.10", host: "127.0.0.1:7300" }, 7300, "t")).toMatchObject({ status: 403 });
    expect(refusal({ method: "POST", remote: "127.0.0.1", host: "127.0.0.1:7300", contentType: "application/json", token: "t" }, 7300, "t")).toBeNull();
  });
});
