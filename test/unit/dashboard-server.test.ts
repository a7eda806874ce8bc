// The dashboard's HTTP server with a fake lab, on a free loopback port: only the printed URL (with this run's
// token) gets in, then an HttpOnly SameSite=Strict cookie; the buttons refuse requests from another site,
// answers never carry a secret, only the page's own files are served, and --read-only refuses the buttons.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard, type DashboardBackend, type RunningDashboard } from "../../src/dashboard/server.js";
import type { Secrets } from "../../src/runtime/secrets.js";
import { cookieName, isLoopback, refusal } from "../../src/dashboard/guard.js";
import { LockedError } from "../../src/runtime/lock.js";

const SECRETS: Secrets = { mysqlRoot: "rootpw-0123456789", app: "apppw-0123456789", replication: "replpw-0123456789", monitor: "monpw-0123456789" };

const calls: string[] = [];
const backend: DashboardBackend = {
  state: async () => ({ hosts: [{ name: "db-1" }], leak: `password=${SECRETS.app}` }),
  series: async (since) => ({ monitoring: true, since }),
  events: async () => ({ events: [{ message: `replication user ${SECRETS.replication}` }] }),
  fault: async (host, action) => {
    if (host === "busy-1") throw new LockedError("lab", { pid: 4242, startTime: 1, command: "stacklab deploy", since: "2026-12-02T08:00:00Z" });
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
let readOnly: RunningDashboard;
beforeAll(async () => {
  dash = await startDashboard(backend, 0);
  readOnly = await startDashboard(backend, 0, { readOnly: true });
});
afterAll(async () => {
  await dash.close();
  await readOnly.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request as the browser sends it once it opened the printed URL (the cookie), unless `anonymous`. */
function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: string; anonymous?: boolean; to?: RunningDashboard } = {}): Promise<Answer> {
  const to = opts.to ?? dash;
  const headers = { ...(opts.anonymous ? {} : { cookie: `other=1; ${cookieName(to.port)}=${to.token}` }), ...opts.headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: to.port, method, path, headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

const post = (path: string, value: unknown, headers: Record<string, string> = {}, to = dash) =>
  call("POST", path, { to, headers: { "content-type": "application/json", origin: `http://127.0.0.1:${to.port}`, ...headers }, body: JSON.stringify(value) });

describe("the dashboard server", () => {
  it("listens on 127.0.0.1 only", () => {
    expect(dash.url.startsWith(`http://127.0.0.1:${dash.port}/?token=`)).toBe(true);
    expect(dash.server.address()).toMatchObject({ address: "127.0.0.1" });
  });

  it("prints a URL with a random token; opening it hands over an HttpOnly, SameSite=Strict cookie and drops it from the address", async () => {
    expect(dash.token).toMatch(/^[\w-]{32}$/);
    expect(dash.url).toBe(`http://127.0.0.1:${dash.port}/?token=${dash.token}`);
    const first = await call("GET", `/?token=${dash.token}`, { anonymous: true });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/");
    expect(first.headers["set-cookie"]).toEqual([`${cookieName(dash.port)}=${dash.token}; HttpOnly; SameSite=Strict; Path=/`]);
    const page = await call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(dash.token);
    expect(page.body).toContain('<meta name="stacklab-read-only" content="false" />');
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/);
    expect(page.headers["content-security-policy"]).toMatch(/frame-ancestors 'none'/);
  });

  it("answers every request without the token with 401, and the page says how to get the URL", async () => {
    for (const path of ["/", "/index.html", "/assets/app.js", "/vendor/uplot.js", "/api/state", "/api/events", `/?token=${"x".repeat(32)}`]) {
      const r = await call("GET", path, { anonymous: true });
      expect(r.status, path).toBe(401);
      for (const secret of Object.values(SECRETS)) expect(r.body).not.toContain(secret);
    }
    const page = await call("GET", "/", { anonymous: true });
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toMatch(/open the URL/i);
    expect(page.body).toContain("stacklab dashboard");
    expect((await call("GET", "/api/state", { headers: { cookie: `${cookieName(dash.port)}=${"y".repeat(32)}` }, anonymous: true })).status).toBe(401);
    // another dashboard's cookie (another port) is not this one's
    expect((await call("GET", "/api/state", { headers: { cookie: `${cookieName(readOnly.port)}=${readOnly.token}` }, anonymous: true })).status).toBe(401);
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

  it("refuses the buttons without the cookie, with a wrong one, from another site, or without JSON", async () => {
    calls.length = 0;
    const noToken = await call("POST", "/api/fault", { anonymous: true, headers: { "content-type": "application/json" }, body: JSON.stringify({ host: "lb-1", action: "kill" }) });
    expect(noToken.status).toBe(401);
    expect((await post("/api/fault", { host: "lb-1", action: "kill" }, { cookie: `${cookieName(dash.port)}=${"x".repeat(32)}` })).status).toBe(401);
    // the token in a POST's URL does not count: only a GET of the printed URL sets the cookie
    expect((await call("POST", `/api/heal?token=${dash.token}`, { anonymous: true, headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    expect((await post("/api/heal", {}, { origin: "http://evil.example" })).status).toBe(403);
    // a cross-site HTML form can only send form encodings
    expect((await post("/api/heal", {}, { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    expect(calls).toEqual([]);
  });

  it("--read-only: shows the lab but refuses the buttons, and the page hides them", async () => {
    calls.length = 0;
    expect((await call("GET", "/api/state", { to: readOnly })).status).toBe(200);
    expect((await call("GET", "/", { to: readOnly })).body).toContain('<meta name="stacklab-read-only" content="true" />');
    const r = await post("/api/fault", { host: "lb-1", action: "kill" }, {}, readOnly);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error).toMatch(/read-only/);
    expect((await post("/api/heal", {}, {}, readOnly)).status).toBe(403);
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

  it("answers a fault on a lab another command holds with 409 naming the holder", async () => {
    const r = await post("/api/fault", { host: "busy-1", action: "kill" });
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body).error).toMatch(/busy: `stacklab deploy` \(pid 4242\)/);
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
    expect(refusal({ method: "GET", remote: "127.0.0.1", host: "127.0.0.1:7300" }, 7300, "t")).toMatchObject({ status: 401 });
  });
});
