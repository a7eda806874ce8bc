// The foobar app under the runner against a real, throwaway MariaDB on 127.0.0.1: writes, reads,
// metrics summed over workers, a killed worker, a graceful reload, a database restart, shutdown.
// Needs root (mariadbd --user=root) and the mariadb-server package.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TLSSocket } from "node:tls";
import { DB_TLS_NAME, DbEndpoint } from "../../src/app/foobar/db-endpoint.js";
import { makeCertificate, newEcKey, type DistinguishedName } from "../../src/util/x509.js";
import { SCHEMA_SQL } from "../../src/app/foobar/schema.js";
import { alive, buildApp, freePort, hammer, http, startedPids, startRunner, type RunnerProcess } from "../unit/app-support.js";

const isRoot = process.getuid?.() === 0;
const PASSWORD = "app-test-password";

/** A MariaDB server of the test's own, in a temporary directory. */
interface TestDb {
  dir: string;
  port: number;
  proc?: ChildProcess;
}

/** Makes a data directory for `db` (its `dir` set) with mariadb-install-db. */
function installMariadb(db: TestDb): void {
  const installed = spawnSync("sh", ["-c", "command -v mariadbd && command -v mariadb-install-db"], { encoding: "utf8" });
  if (installed.status !== 0) throw new Error("mariadbd or mariadb-install-db not found: install the mariadb-server package (apt-get install mariadb-server, or `stacklab setup`)");
  const install = spawnSync("mariadb-install-db", ["--no-defaults", `--datadir=${db.dir}/data`, "--auth-root-authentication-method=normal", "--skip-test-db", "--user=root"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed (${install.status}):\n${install.stderr.slice(-2000)}`);
}

function startMariadb(db: TestDb, extra: string[] = []): ChildProcess {
  const args = [
    "--no-defaults",
    `--datadir=${db.dir}/data`,
    `--socket=${db.dir}/s.sock`,
    `--port=${db.port}`,
    "--bind-address=127.0.0.1",
    "--user=root",
    `--pid-file=${db.dir}/m.pid`,
    `--log-error=${db.dir}/error.log`,
    "--skip-name-resolve",
    "--innodb-buffer-pool-size=32M",
    ...extra,
  ];
  return spawn("mariadbd", args, { stdio: "ignore" });
}

async function rootQuery(db: TestDb, timeoutMs: number, sql: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await createConnection({ socketPath: `${db.dir}/s.sock`, user: "root", multipleStatements: false });
      try {
        for (const statement of sql) await conn.query(statement);
      } finally {
        await conn.end();
      }
      return;
    } catch (e) {
      if (Date.now() > deadline) {
        const log = existsSync(`${db.dir}/error.log`) ? readFileSync(`${db.dir}/error.log`, "utf8").split("\n").slice(-15).join("\n") : "(no error log)";
        throw new Error(`MariaDB on ${db.dir}/s.sock did not answer within ${timeoutMs} ms: ${String(e)}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function stopMariadb(db: TestDb): Promise<void> {
  const proc = db.proc;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const kill = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(kill);
}

describe.skipIf(!isRoot)("foobar app on a real MariaDB (root)", () => {
  const db: TestDb = { dir: "", port: 0 };
  let build: ReturnType<typeof buildApp> | undefined;
  let runner: RunnerProcess;
  let appPort: number;
  let envFile: string;
  let envLines: string[];
  const dbHostname = () => spawnSync("hostname", { encoding: "utf8" }).stdout.trim();

  const json = async (path: string, opts: Parameters<typeof http>[2] = {}) => {
    const r = await http(appPort, path, opts);
    return { status: r.status, body: r.body === "" ? {} : (JSON.parse(r.body) as Record<string, unknown>), raw: r };
  };
  const whoamiPid = async () => Number((await json("/api/whoami")).body.pid);

  beforeAll(async () => {
    db.dir = mkdtempSync(join(tmpdir(), "stacklab-app-mariadb-"));
    db.port = await freePort();
    installMariadb(db);
    db.proc = startMariadb(db);
    await rootQuery(db, 30_000, [
      "CREATE DATABASE foobar",
      `CREATE USER 'foobar_app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`,
      "GRANT SELECT, INSERT ON foobar.* TO 'foobar_app'@'127.0.0.1'",
      "USE foobar",
      SCHEMA_SQL,
    ]);

    const passwordFile = join(db.dir, "db-app-password");
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    chmodSync(passwordFile, 0o600);
    appPort = await freePort();
    const deadReplica = await freePort();
    envFile = join(db.dir, "app.env");
    envLines = [
      `PORT=${appPort}`,
      "LISTEN_ADDRESS=127.0.0.1",
      "WORKERS=2",
      "APP_KIND=demo",
      "APP_VERSION=1.0.0",
      `DB_PRIMARY=127.0.0.1:${db.port}`,
      // The first replica never answers: reads must fall through to the second (the same server).
      `DB_REPLICAS=127.0.0.1:${deadReplica},127.0.0.1:${db.port}`,
      "DB_NAME=foobar",
      "DB_USER=foobar_app",
      `DB_PASSWORD_FILE=${passwordFile}`,
      "HOST_NAME=app-test",
    ];
    writeFileSync(envFile, `${envLines.join("\n")}\n`);
    build = buildApp();
    runner = startRunner(build.runner, envFile);
    await runner.waitForLine(/runner-started mode=demo/, 10_000);
    const deadline = Date.now() + 20_000;
    while (runner.lines.filter((l) => / worker-listening /.test(l)).length < 2) {
      if (Date.now() > deadline) throw new Error(`workers did not listen within 20 s:\n${runner.lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    await runner?.stop();
    for (const pid of startedPids(runner?.lines ?? [])) if (alive(pid)) process.kill(pid, "SIGKILL");
    await stopMariadb(db);
    build?.remove();
    if (db.dir) rmSync(db.dir, { recursive: true, force: true });
  });

  it("is healthy and names the database server; the dead replica shows as down", async () => {
    const h = await json("/healthz");
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: "ok", primary: dbHostname(), replica: dbHostname(), app: { host: "app-test", version: "1.0.0" } });
    const endpoints = h.body.endpoints as Array<{ role: string; ok: boolean }>;
    expect(endpoints.map((e) => [e.role, e.ok])).toEqual([
      ["primary", true],
      ["replica", false],
      ["replica", true],
    ]);
  });

  it("commits a POSTed entry on the primary and reads it back from a replica", async () => {
    const created = await json("/api/entries", {
      method: "POST",
      body: JSON.stringify({ author: "it", message: "hello <mariadb>" }),
      headers: { "content-type": "application/json", "x-served-by-lb": "lb-test" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ primary: dbHostname(), servedBy: { lb: "lb-test", app: "app-test", dbRole: "primary" } });
    const id = Number(created.body.id);
    const read = await json(`/api/entries/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ entry: { id, author: "it", message: "hello <mariadb>", appHost: "app-test" }, servedBy: { db: dbHostname(), dbRole: "replica" } });
    expect((await json(`/api/entries/${id}?consistent=1`)).body).toMatchObject({ servedBy: { dbRole: "primary" } });
    expect((await json("/api/entries/999999")).status).toBe(404);

    const form = await http(appPort, "/entries", { method: "POST", body: "author=form&message=%3Cb%3Ebold%3C%2Fb%3E", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect([form.status, form.headers.location]).toEqual([303, "/"]);
    const page = await http(appPort, "/");
    expect(page.status).toBe(200);
    expect(page.body).toContain("&#60;b&#62;bold&#60;/b&#62;");
    expect(page.body).toContain(`<dd data-hop="db">${dbHostname()} (replica)</dd>`);
  });

  it("serves /metrics summed over both workers", async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 10; i++) pids.add(await whoamiPid());
    expect(pids.size).toBe(2);
    const metrics = await http(appPort, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('foobar_http_requests_total{route="/api/whoami",method="GET",status="200"} 10');
    expect(metrics.body).toContain("stacklab_runner_workers 2");
    expect(metrics.body).toMatch(/foobar_db_pool_connections\{endpoint="127\.0\.0\.1:\d+",role="primary",state="total"\} [1-9]/);
  });

  it("restarts a worker killed with SIGKILL while requests keep succeeding", async () => {
    const victim = await whoamiPid();
    const from = runner.lines.length;
    process.kill(victim, "SIGKILL");
    await runner.waitForLine(new RegExp(`worker-exited .*pid=${victim} .*planned=false`), 5000, from);
    const during = await hammer(appPort, "/api/whoami", 2000);
    expect(during.failed, runner.lines.slice(from).join("\n")).toEqual([]);
    const restarted = await runner.waitForLine(/worker-started .*reason=restart/, 5000, from);
    const newPid = Number(/pid=(\d+)/.exec(restarted)?.[1]);
    const seen = new Set<number>();
    const deadline = Date.now() + 10_000;
    while (!seen.has(newPid) && Date.now() < deadline) seen.add(await whoamiPid());
    expect(seen.has(newPid)).toBe(true);
    expect(seen.has(victim)).toBe(false);
  });

  it("reloads on SIGHUP under load without a failed request, picking up the new APP_VERSION", async () => {
    const before = new Set<number>();
    for (let i = 0; i < 6; i++) before.add(await whoamiPid());
    writeFileSync(envFile, `${envLines.map((l) => (l.startsWith("APP_VERSION=") ? "APP_VERSION=2.0.0" : l)).join("\n")}\n`);
    const from = runner.lines.length;
    const fresh = hammer(appPort, "/api/whoami", 5000);
    const kept = hammer(appPort, "/api/entries?limit=5", 5000, { keepAlive: true, parallel: 2 });
    await new Promise((r) => setTimeout(r, 500));
    runner.proc.kill("SIGHUP");
    await runner.waitForLine(/reload-end/, 30_000, from);
    const [a, b] = await Promise.all([fresh, kept]);
    expect(a.failed, runner.lines.slice(from).join("\n")).toEqual([]);
    expect(b.failed, runner.lines.slice(from).join("\n")).toEqual([]);
    expect(a.ok + b.ok).toBeGreaterThan(50);
    const after = await json("/api/whoami");
    expect(after.body.version).toBe("2.0.0");
    expect(before.has(Number(after.body.pid))).toBe(false);
    for (const p of before) expect(alive(p)).toBe(false);
  });

  it("answers a write refused as read-only with a definite 503 (never 'maybe'), and writes again once the server takes them", async () => {
    await rootQuery(db, 10_000, ["SET GLOBAL read_only = ON"]);
    try {
      const refused = await json("/api/entries", { method: "POST", body: JSON.stringify({ author: "ro", message: "refused" }), headers: { "content-type": "application/json" } });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: "database unavailable", maybeExecuted: false });
    } finally {
      await rootQuery(db, 10_000, ["SET GLOBAL read_only = OFF"]);
    }
    // The connections opened before are retired at their next use; fresh ones take the writes.
    for (let i = 0; i < 4; i++) {
      const ok = await json("/api/entries", { method: "POST", body: JSON.stringify({ author: "rw", message: `after ${i}` }), headers: { "content-type": "application/json" } });
      expect(ok.status).toBe(201);
      expect((await json(`/api/entries/${Number(ok.body.id)}?consistent=1`)).status).toBe(200);
    }
  });

  it("answers 503 while the database is down and recovers when it is back", async () => {
    await stopMariadb(db);
    expect((await json("/healthz")).status).toBe(503);
    const write = await json("/api/entries", { method: "POST", body: JSON.stringify({ author: "a", message: "b" }) });
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({ error: "database unavailable" });
    db.proc = startMariadb(db);
    await rootQuery(db, 30_000, ["SELECT 1"]);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 201 && Date.now() < deadline) {
      status = (await json("/api/entries", { method: "POST", body: JSON.stringify({ author: "after", message: "restart" }) })).status;
      if (status !== 201) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(201);
    expect((await json("/healthz")).status).toBe(200);
  });

  it("a replica endpoint does not keep a connection that reached a writable server (the proxy's fallback to the primary); a read-only server's it keeps", async () => {
    const opts = { host: "127.0.0.1", port: db.port, user: "foobar_app", password: PASSWORD, database: "foobar", fallbackMaxAgeMs: 0 };
    const replica = new DbEndpoint("replica", opts);
    const primary = new DbEndpoint("primary", opts);
    const read = (e: DbEndpoint) => e.run(async (c) => (await c.query("SELECT 1 AS one"))[0], { retry: false });
    try {
      await read(replica);
      await read(primary);
      // The server is writable: behind a replica endpoint that is the primary, so the connection is closed.
      expect(replica.stats().total).toBe(0);
      expect(primary.stats().total).toBe(1);
      await rootQuery(db, 5000, ["SET GLOBAL read_only = 1"]);
      try {
        await read(replica);
        expect(replica.stats().total).toBe(1);
      } finally {
        await rootQuery(db, 5000, ["SET GLOBAL read_only = 0"]);
      }
    } finally {
      await replica.close();
      await primary.close();
    }
  });

  it("stops on SIGTERM with exit code 0 and every worker gone", async () => {
    expect(await runner.stop()).toBe(0);
    expect(runner.lines.some((l) => / shutdown-end/.test(l))).toBe(true);
    expect(startedPids(runner.lines).filter(alive)).toEqual([]);
  });
});

describe.skipIf(!isRoot)("the app's database connections over TLS, on a real MariaDB (root)", () => {
  const db: TestDb = { dir: "", port: 0 };
  let ca = "";
  /** A server certificate signed by the test's CA for `names` ("DNS:..."), written where MariaDB reads its own. */
  let issue: (names: string[]) => void = () => undefined;

  beforeAll(async () => {
    db.dir = mkdtempSync(join(tmpdir(), "stacklab-app-mariadb-tls-"));
    db.port = await freePort();
    const caKey = newEcKey().key;
    const caName: DistinguishedName = [["CN", "test CA"]];
    ca = makeCertificate({ subject: caName, publicKey: caKey, issuer: caName, issuerKey: caKey, days: 1, caPathLen: 0, keyUsage: ["keyCertSign", "cRLSign"] });
    writeFileSync(join(db.dir, "ca.crt"), ca);
    issue = (names) => {
      const { key, pem } = newEcKey();
      writeFileSync(join(db.dir, "server.key"), pem);
      writeFileSync(
        join(db.dir, "server.crt"),
        makeCertificate({ subject: [["CN", "db"]], publicKey: key, issuer: caName, issuerKey: caKey, days: 1, keyUsage: ["digitalSignature"], extKeyUsage: ["serverAuth"], altNames: names }),
      );
    };
    issue([`DNS:${DB_TLS_NAME}`]);
    installMariadb(db);
    db.proc = startMariadb(db, [`--ssl-ca=${db.dir}/ca.crt`, `--ssl-cert=${db.dir}/server.crt`, `--ssl-key=${db.dir}/server.key`]);
    await rootQuery(db, 30_000, ["CREATE DATABASE foobar"]);
  });

  afterAll(async () => {
    await stopMariadb(db);
    if (db.dir) rmSync(db.dir, { recursive: true, force: true });
  });

  const endpoint = (user: string) => new DbEndpoint("primary", { host: "127.0.0.1", port: db.port, user, password: PASSWORD, database: "foobar", ca });
  /** Whether the connection a query ran on resumed a TLS session (a new connection when the pool has none idle). */
  const resumed = async (e: DbEndpoint) => (await e.run(async (c) => (c.connection as unknown as { stream: TLSSocket }).stream.isSessionReused(), { retry: false })).value;

  it("a login refused after a full TLS handshake (the app started before its database user existed) does not leave every later connection refused", async () => {
    // mysql2 keeps a TLS session as soon as the handshake is done. Before the app let mysql2 check the server's
    // name, that session was kept unchecked, and every later connection resumed it: refused for ever.
    await rootQuery(db, 5000, ["DROP USER IF EXISTS 'late_app'@'127.0.0.1'"]);
    const e = endpoint("late_app");
    try {
      const first = await e.check();
      expect(first.ok).toBe(false);
      expect(first.error).toMatch(/Access denied/);
      await rootQuery(db, 5000, [`CREATE USER 'late_app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL`, "GRANT SELECT ON foobar.* TO 'late_app'@'127.0.0.1'"]);
      // The next connection resumes the session of the refused login's handshake, whose certificate named db.internal.
      expect(await resumed(e)).toBe(true);
      const again = await e.check();
      expect(again.error).toBeUndefined();
      expect(again.ok).toBe(true);
    } finally {
      await e.close();
    }
  });

  it("refuses a server whose certificate, from the same CA, does not name db.internal, on every connection", async () => {
    await rootQuery(db, 5000, [`CREATE USER IF NOT EXISTS 'late_app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL`, "GRANT SELECT ON foobar.* TO 'late_app'@'127.0.0.1'"]);
    issue(["DNS:web-1"]);
    await rootQuery(db, 5000, ["FLUSH SSL"]);
    const e = endpoint("late_app");
    try {
      for (let i = 0; i < 3; i++) {
        const r = await e.check();
        expect(r.ok).toBe(false);
        expect(r.error).toMatch(/db\.internal/);
      }
    } finally {
      await e.close();
      issue([`DNS:${DB_TLS_NAME}`]);
      await rootQuery(db, 5000, ["FLUSH SSL"]);
    }
  });
});
