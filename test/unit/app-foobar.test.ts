// The foobar app's core, called in-process with a fake database: no port, no MariaDB.
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app/foobar/app.js";
import { escapeHtml } from "../../src/app/foobar/html.js";
import type { AppRequest, AppResponse } from "../../src/app/foobar/http-types.js";
import { createAppMetrics } from "../../src/app/foobar/metrics.js";
import { SCHEMA_SQL } from "../../src/app/foobar/schema.js";
import { DbUnavailableError, type DbAnswer, type EndpointHealth, type Entry, type FoobarDb, type NewEntry, type PoolStats } from "../../src/app/foobar/types.js";

/** An in-memory primary and replica; the replica follows only when `replicate` is on. */
class FakeDb implements FoobarDb {
  primary: Entry[] = [];
  replica: Entry[] = [];
  primaryDown = false;
  replicaDown = false;
  replicate = true;
  broken = false;

  private on<T>(role: "primary" | "replica", value: T): DbAnswer<T> {
    return role === "primary" ? { value, dbHost: "db-1", role, endpoint: "198.18.3.1:3306" } : { value, dbHost: "db-2", role, endpoint: "198.18.3.2:3306" };
  }

  private source(consistent: boolean): "primary" | "replica" {
    if (this.broken) throw new TypeError("a bug in the data layer");
    if (!consistent && !this.replicaDown) return "replica";
    if (!this.primaryDown) return "primary";
    throw new DbUnavailableError("primary 198.18.3.1:3306: ECONNREFUSED");
  }

  async insertEntry(e: NewEntry): Promise<DbAnswer<number>> {
    if (this.primaryDown) throw new DbUnavailableError("primary 198.18.3.1:3306: ECONNREFUSED");
    const entry: Entry = { id: this.primary.length + 1, ...e, createdAt: "2026-01-02T03:04:05.000Z" };
    this.primary.push(entry);
    if (this.replicate) this.replica.push(entry);
    return this.on("primary", entry.id);
  }

  async getEntry(id: number, consistent: boolean): Promise<DbAnswer<Entry | null>> {
    const role = this.source(consistent);
    return this.on(role, (role === "primary" ? this.primary : this.replica).find((e) => e.id === id) ?? null);
  }

  async listEntries(limit: number, consistent: boolean): Promise<DbAnswer<Entry[]>> {
    const role = this.source(consistent);
    return this.on(role, [...(role === "primary" ? this.primary : this.replica)].reverse().slice(0, limit));
  }

  async health(): Promise<EndpointHealth[]> {
    return [
      this.primaryDown
        ? { endpoint: "198.18.3.1:3306", role: "primary", ok: false, error: "ECONNREFUSED", latencyMs: 1 }
        : { endpoint: "198.18.3.1:3306", role: "primary", ok: true, dbHost: "db-1", latencyMs: 1 },
      this.replicaDown
        ? { endpoint: "198.18.3.2:3306", role: "replica", ok: false, error: "ECONNREFUSED", latencyMs: 1 }
        : { endpoint: "198.18.3.2:3306", role: "replica", ok: true, dbHost: "db-2", latencyMs: 1 },
    ];
  }

  poolStats(): PoolStats[] {
    return [{ endpoint: "198.18.3.1:3306", role: "primary", up: !this.primaryDown, total: 3, free: 2, queued: 0 }];
  }

  async close(): Promise<void> {}
}

function setup() {
  const db = new FakeDb();
  const metrics = createAppMetrics({ version: "1.2.3", hostName: "app-1", pools: () => db.poolStats(), defaultMetrics: false });
  const errors: unknown[] = [];
  const app = createApp({ db, identity: { hostName: "app-1", pid: 4242, version: "1.2.3" }, metrics, onError: (e) => errors.push(e) });
  const call = (method: string, url: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<AppResponse> =>
    app({ method, url, headers: opts.headers ?? {}, body: opts.body ?? "" } satisfies AppRequest);
  const post = (entry: unknown) => call("POST", "/api/entries", { body: JSON.stringify(entry), headers: { "content-type": "application/json" } });
  return { db, app, call, post, errors };
}

const body = (r: AppResponse) => JSON.parse(r.body) as Record<string, unknown>;

describe("foobar JSON API", () => {
  it("stores an entry on the primary and reads it back from the replica, naming both servers", async () => {
    const { call, post } = setup();
    const created = await post({ author: "ann", message: "hello" });
    expect(created.status).toBe(201);
    expect(body(created)).toMatchObject({ id: 1, primary: "db-1" });
    expect(created.headers.location).toBe("/api/entries/1");

    const read = await call("GET", "/api/entries/1");
    expect(read.status).toBe(200);
    expect(body(read)).toMatchObject({ entry: { id: 1, author: "ann", message: "hello", appHost: "app-1" }, servedBy: { db: "db-2", dbRole: "replica", app: "app-1", pid: 4242 } });
  });

  it("shows a stale replica: 404 from the replica, 200 with ?consistent=1 from the primary", async () => {
    const { db, call, post } = setup();
    db.replicate = false;
    await post({ author: "bob", message: "not replicated yet" });
    const stale = await call("GET", "/api/entries/1");
    expect(stale.status).toBe(404);
    expect(body(stale)).toMatchObject({ error: "no such entry", servedBy: { db: "db-2", dbRole: "replica" } });
    const fresh = await call("GET", "/api/entries/1?consistent=1");
    expect(fresh.status).toBe(200);
    expect(body(fresh)).toMatchObject({ servedBy: { db: "db-1", dbRole: "primary" } });
  });

  it("lists the latest entries first, honouring ?limit and refusing a bad one", async () => {
    const { call, post } = setup();
    for (const m of ["one", "two", "three"]) await post({ author: "c", message: m });
    const list = await call("GET", "/api/entries?limit=2");
    expect((body(list).entries as Entry[]).map((e) => e.message)).toEqual(["three", "two"]);
    expect((await call("GET", "/api/entries?limit=0")).status).toBe(400);
    expect((await call("GET", "/api/entries?limit=abc")).status).toBe(400);
  });

  it("refuses bad submissions with 400 and a reason", async () => {
    const { post, call, db } = setup();
    expect(body(await post({ author: "", message: "x" })).error).toMatch(/author must not be empty/);
    expect(body(await post({ author: "a", message: "x".repeat(501) })).error).toMatch(/at most 500/);
    expect((await post({ author: "a", message: "😀".repeat(500) })).status).toBe(201);
    expect((await post({ author: 5, message: "x" })).status).toBe(400);
    expect((await call("POST", "/api/entries", { body: "{not json" })).status).toBe(400);
    expect(db.primary).toHaveLength(1);
  });

  it("answers whoami from the load balancer and web server headers plus its own identity", async () => {
    const { call } = setup();
    const r = await call("GET", "/api/whoami", { headers: { "x-served-by-lb": "lb-1", "x-served-by-web": "web-2" } });
    expect(body(r)).toEqual({ lb: "lb-1", web: "web-2", app: "app-1", pid: 4242, version: "1.2.3", db: null, dbRole: null });
    expect(r.headers["x-served-by-app"]).toBe("app-1/4242");
    expect(body(await call("GET", "/api/whoami"))).toMatchObject({ lb: null, web: null });
  });

  it("maps a database outage to 503, telling whether a write may have happened", async () => {
    const { db, call, post } = setup();
    db.primaryDown = true;
    db.replicaDown = true;
    const write = await post({ author: "a", message: "b" });
    expect(write.status).toBe(503);
    expect(body(write)).toMatchObject({ error: "database unavailable", maybeExecuted: false });
    expect((await call("GET", "/api/entries")).status).toBe(503);
  });

  it("turns an unexpected error into a 500 and reports it", async () => {
    const { db, call, errors } = setup();
    db.broken = true;
    const r = await call("GET", "/api/entries/1");
    expect(r.status).toBe(500);
    expect(body(r)).toEqual({ error: "internal error" });
    expect(errors).toHaveLength(1);
  });

  it("answers 404 for unknown paths and 405 with Allow for a wrong method", async () => {
    const { call } = setup();
    expect((await call("GET", "/api/nope")).status).toBe(404);
    expect((await call("GET", "/nope")).headers["content-type"]).toMatch(/text\/html/);
    const wrong = await call("DELETE", "/api/entries");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe("POST, GET, HEAD");
    expect((await call("GET", "/api/entries/12abc")).status).toBe(404);
  });
});

describe("foobar health", () => {
  it("is 200 while the primary or a replica answers, naming which, and 503 when none does", async () => {
    const { db, call } = setup();
    expect(body(await call("GET", "/healthz"))).toMatchObject({ status: "ok", primary: "db-1", replica: "db-2" });
    db.primaryDown = true;
    const replicaOnly = await call("GET", "/healthz");
    expect(replicaOnly.status).toBe(200);
    expect(body(replicaOnly)).toMatchObject({ primary: null, replica: "db-2" });
    db.replicaDown = true;
    const down = await call("GET", "/healthz");
    expect(down.status).toBe(503);
    expect(body(down)).toMatchObject({ status: "unavailable", primary: null, replica: null });
  });
});

describe("foobar pages", () => {
  it("leaves /static/* and /favicon.ico to the web server: the app answers 404", async () => {
    const { call } = setup();
    for (const path of ["/static/style.css", "/static/app.js", "/static/logo.svg", "/favicon.ico"]) {
      const r = await call("GET", path);
      expect(r.status, path).toBe(404);
      expect(r.headers["x-static-from"]).toBe("app");
    }
  });

  it("renders the home page with the served-by box, the latest entries and links to the static files", async () => {
    const { call, post } = setup();
    await post({ author: "dora", message: "first!" });
    const page = await call("GET", "/", { headers: { "x-served-by-lb": "lb-2", "x-served-by-web": "web-1" } });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain('<dd data-hop="lb">lb-2</dd>');
    expect(page.body).toContain('<dd data-hop="web">web-1</dd>');
    expect(page.body).toContain('<dd data-hop="app">app-1 <small>pid 4242</small></dd>');
    expect(page.body).toContain('<dd data-hop="db">db-2 (replica)</dd>');
    expect(page.body).toContain('<dd data-hop="version">1.2.3</dd>');
    expect(page.body).toContain("first!");
    for (const asset of ['href="/static/style.css"', 'src="/static/app.js"', 'src="/static/logo.svg"', 'href="/static/favicon.svg"']) expect(page.body).toContain(asset);
    expect(page.body).toContain('<form method="post" action="/entries">');
  });

  it("escapes what users wrote and what headers carried", async () => {
    const { call, post } = setup();
    await post({ author: '"><img src=x onerror=alert(1)>', message: "<script>alert('x')</script> & more" });
    const page = await call("GET", "/", { headers: { "x-served-by-lb": "<b>lb</b>" } });
    expect(page.body).not.toContain("<script>alert");
    expect(page.body).not.toContain("<img src=x");
    expect(page.body).not.toContain("<b>lb</b>");
    expect(page.body).toContain("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38; more");
    expect(page.body).toContain("&#34;&#62;&#60;img src=x onerror=alert(1)&#62;");
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe("&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#96;");
  });

  it("takes the form post, then redirects with 303 to /", async () => {
    const { call, db } = setup();
    const r = await call("POST", "/entries", { body: "author=eve&message=hi+there%21", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe("/");
    expect(db.primary[0]).toMatchObject({ author: "eve", message: "hi there!", appHost: "app-1" });
  });

  it("re-shows a refused form with the reason and the escaped values", async () => {
    const { call, db } = setup();
    const r = await call("POST", "/entries", { body: "author=%3Cb%3E&message=", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(r.status).toBe(400);
    expect(r.body).toContain("Not saved: message must not be empty.");
    expect(r.body).toContain('value="&#60;b&#62;"');
    expect(db.primary).toHaveLength(0);
  });

  it("shows a 503 page with the served-by box when no database answers", async () => {
    const { db, call } = setup();
    db.primaryDown = true;
    db.replicaDown = true;
    const page = await call("GET", "/", { headers: { "x-served-by-web": "web-1" } });
    expect(page.status).toBe(503);
    expect(page.body).toContain("Database unavailable");
    expect(page.body).toContain('<dd data-hop="web">web-1</dd>');
  });
});

describe("foobar metrics", () => {
  it("counts requests by route pattern, method and status, with errors, pools and version", async () => {
    const { db, call, post } = setup();
    await post({ author: "a", message: "b" });
    await call("GET", "/api/entries/1");
    await call("GET", "/api/entries/1");
    await call("GET", "/static/logo.svg");
    db.primaryDown = true;
    db.replicaDown = true;
    await call("GET", "/api/entries/1");
    const m = await call("GET", "/metrics");
    expect(m.status).toBe(200);
    expect(m.body).toContain('foobar_http_requests_total{route="/api/entries",method="POST",status="201"} 1');
    expect(m.body).toContain('foobar_http_requests_total{route="/api/entries/:id",method="GET",status="200"} 2');
    expect(m.body).toContain('foobar_http_requests_total{route="/api/entries/:id",method="GET",status="503"} 1');
    expect(m.body).toContain('foobar_http_requests_total{route="static",method="GET",status="404"} 1');
    expect(m.body).toContain('foobar_errors_total{kind="db"} 1');
    expect(m.body).toContain('foobar_http_request_duration_seconds_count{route="/api/entries/:id",method="GET"} 3');
    expect(m.body).toContain('foobar_db_pool_connections{endpoint="198.18.3.1:3306",role="primary",state="total"} 3');
    expect(m.body).toContain('foobar_app_info{version="1.2.3",host="app-1"} 1');
  });
});

describe("foobar schema", () => {
  it("creates the entries table idempotently on InnoDB with the columns the app reads", () => {
    expect(SCHEMA_SQL).toMatch(/^CREATE TABLE IF NOT EXISTS entries \(/);
    expect(SCHEMA_SQL).toMatch(/id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT/);
    for (const column of ["author", "message", "created_at", "app_host"]) expect(SCHEMA_SQL).toContain(`${column} `);
    expect(SCHEMA_SQL).toMatch(/ENGINE=InnoDB/);
  });
});
