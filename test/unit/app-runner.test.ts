// The runner's pieces on their own: env file, config contract, restart policy, event lines,
// the round-robin TCP proxy and the node:http adapter's drain (loopback only).
import { createServer, type Server } from "node:http";
import { Agent } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { AppConfigError, parseEndpoint, readAppConfig } from "../../src/app/config.js";
import fc from "fast-check";
import { formatEnvFile, loadEnv, parseEnvFile } from "../../src/app/env-file.js";
import { serve } from "../../src/app/foobar/node-adapter.js";
import { formatEvent } from "../../src/app/log.js";
import { RestartPolicy } from "../../src/app/runner/restart-policy.js";
import { TcpProxy } from "../../src/app/runner/tcp-proxy.js";
import { freePort, http } from "./app-support.js";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

describe("env file", () => {
  it("reads KEY=VALUE lines with comments, quotes and export, and reports bad lines by number", () => {
    const { values, problems } = parseEnvFile("# app\nPORT=8000\nexport APP_VERSION=\"1.2 beta\"\nDB_REPLICAS=\nNAME='a b'\nnot a line\n");
    expect(values).toEqual({ PORT: "8000", APP_VERSION: "1.2 beta", DB_REPLICAS: "", NAME: "a b" });
    expect(problems).toEqual([{ line: 6, message: 'expected KEY=VALUE, got "not a line"' }]);
  });

  it("reads back whatever formatEnvFile wrote", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.string({ unit: "binary" })), (values) => {
        const { values: back, problems } = parseEnvFile(formatEnvFile(values));
        expect(problems).toEqual([]);
        expect(back).toEqual(values);
      }),
    );
  });

  it("lets the real environment override the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "stacklab-env-"));
    try {
      const file = join(dir, "app.env");
      writeFileSync(file, "PORT=8000\nWORKERS=2\n");
      expect(loadEnv(file, { WORKERS: "4" })).toMatchObject({ PORT: "8000", WORKERS: "4" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("app config", () => {
  it("reads the contract with its defaults", () => {
    const c = readAppConfig({ DB_PRIMARY: "198.18.3.1:3306", DB_REPLICAS: "198.18.3.2:3306, 198.18.3.3", HOST_NAME: "app-1" });
    expect(c).toMatchObject({ port: 8000, workers: 2, kind: "demo", version: "1.0.0", healthPath: "/healthz", hostName: "app-1" });
    expect(c.db).toMatchObject({
      primary: { host: "198.18.3.1", port: 3306 },
      replicas: [
        { host: "198.18.3.2", port: 3306 },
        { host: "198.18.3.3", port: 3306 },
      ],
      name: "foobar",
      user: "foobar_app",
    });
    expect(parseEndpoint("[fd00::1]:3307")).toEqual({ host: "fd00::1", port: 3307 });
  });

  it("reports every broken setting at once", () => {
    let error: unknown;
    try {
      readAppConfig({ PORT: "80000", WORKERS: "zero", APP_KIND: "custom", TLS_CERT: "/c.pem", APP_HEALTH_PATH: "healthz" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppConfigError);
    const problems = (error as AppConfigError).problems.join("\n");
    for (const key of ["PORT=", "WORKERS=", "APP_COMMAND", "TLS_CERT and TLS_KEY", "APP_HEALTH_PATH"]) expect(problems).toContain(key);
    expect(() => readAppConfig({})).toThrow(/DB_PRIMARY: required for the demo app/);
  });
});

describe("restart policy", () => {
  it("doubles the delay for a crash loop, capped, and starts over after a stable run", () => {
    let now = 0;
    const policy = new RestartPolicy({ baseDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 10_000, maxRestarts: 100, windowMs: 60_000 }, () => now);
    const slot = { consecutive: 0 };
    const delays = [0, 1, 2, 3, 4, 5].map(() => {
      now += 50;
      return policy.onCrash(slot, now - 10).delayMs;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    now += 20_000;
    expect(policy.onCrash(slot, now - 15_000).delayMs).toBe(100);
  });

  it("holds restarts back once the window's budget is spent", () => {
    let now = 0;
    const policy = new RestartPolicy({ baseDelayMs: 10, maxDelayMs: 10, stableAfterMs: 1, maxRestarts: 3, windowMs: 1000 }, () => now);
    const slot = { consecutive: 0 };
    const decisions = [0, 1, 2, 3].map(() => policy.onCrash(slot, now - 100));
    expect(decisions.slice(0, 3).every((d) => d.delayMs === 10 && !d.throttled)).toBe(true);
    expect(decisions[3]).toEqual({ delayMs: 1010, throttled: true });
    now = 2500;
    expect(policy.onCrash(slot, now - 100)).toEqual({ delayMs: 10, throttled: false });
  });
});

describe("event lines", () => {
  it("are one line: time, source, event, key=value (quoted when needed)", () => {
    const line = formatEvent("runner", "worker-exited", { pid: 12, signal: "SIGKILL", reason: "drain timeout", gone: undefined }, new Date("2026-01-02T03:04:05Z"));
    expect(line).toBe('2026-01-02T03:04:05.000Z runner worker-exited pid=12 signal=SIGKILL reason="drain timeout"');
  });
});

describe("TCP proxy", () => {
  const servers: Server[] = [];
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close(100);
    proxy = undefined;
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function backend(name: string): Promise<number> {
    const port = await freePort();
    const s = createServer((_req, res) => res.end(name));
    servers.push(s);
    await new Promise<void>((r) => s.listen(port, "127.0.0.1", r));
    return port;
  }

  it("spreads new connections round robin and skips a backend that refuses", async () => {
    const [a, b, dead] = [await backend("a"), await backend("b"), await freePort()];
    const failures: number[] = [];
    proxy = new TcpProxy((port) => failures.push(port));
    const port = await freePort();
    await proxy.listen(port, "127.0.0.1");
    proxy.setBackends([a, b]);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await http(port, "/")).body);
    expect(seen).toEqual(["a", "b", "a", "b"]);

    proxy.setBackends([dead, a]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await http(port, "/")).body);
    expect(answers).toEqual(["a", "a", "a", "a"]);
    expect(failures).toContain(dead);
  });
});

describe("node:http adapter", () => {
  it("refuses an oversized body with 413, drops the body of HEAD answers", async () => {
    const app = serve(async (req) => ({ status: 200, headers: { "content-type": "text/plain" }, body: `got ${req.body.length}` }));
    const port = await freePort();
    await new Promise<void>((r) => app.server.listen(port, "127.0.0.1", r));
    try {
      expect((await http(port, "/", { method: "POST", body: "x".repeat(70_000) })).status).toBe(413);
      expect((await http(port, "/", { method: "POST", body: "abc" })).body).toBe("got 3");
      const head = await http(port, "/", { method: "HEAD" });
      expect([head.status, head.body]).toEqual([200, ""]);
    } finally {
      await app.drain(100);
    }
  });

  it("drains: busy keep-alive clients get Connection: close, none is reset, and it ends when they are gone", async () => {
    const app = serve(async () => ({ status: 200, headers: {}, body: "ok" }));
    const port = await freePort();
    await new Promise<void>((r) => app.server.listen(port, "127.0.0.1", r));
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    let stop = false;
    const results: Array<{ status: number; connection: unknown }> = [];
    const loop = async () => {
      while (!stop) {
        const r = await http(port, "/", { agent });
        results.push({ status: r.status, connection: r.headers.connection });
        // A real client reconnects elsewhere after Connection: close: this server no longer accepts.
        if (r.status !== 200 || r.headers.connection === "close") break;
      }
    };
    const clients = [loop(), loop()];
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const drained = app.drain(5000, 300);
    await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await Promise.all(clients);
    expect(await drained).toEqual({ forced: false });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.some((r) => r.connection === "close")).toBe(true);
    agent.destroy();
  });
});
