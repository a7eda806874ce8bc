// The dashboard's HTTP server (node:http, loopback only): the page, its assets, and small JSON endpoints
// the page polls every second, plus the fault and heal buttons behind the guard.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LockedError } from "../runtime/lock.js";
import { redact, type Secrets } from "../runtime/secrets.js";
import { UsageError } from "../spec/errors.js";
import { parseFault, parseHeal, type FaultAction } from "./actions.js";
import { loadAssets, pageHtml, type Asset } from "./assets.js";
import { challengePanel } from "./challenge.js";
import { cookieToken, newToken, refusal, sameToken, tokenCookie, TOKEN_PARAM, unauthorizedPage } from "./guard.js";

/** What the server serves; DashboardLab implements it for a real lab, tests pass a fake. */
export interface DashboardBackend {
  state(): Promise<unknown>;
  series(since: number): Promise<unknown>;
  events(since: number): Promise<unknown>;
  fault(host: string, action: FaultAction): Promise<unknown>;
  heal(host?: string): Promise<unknown>;
  /** The lab's secrets: any of them found in an answer is replaced by a placeholder before it leaves. */
  secrets(): Secrets;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** The address to open, with this run's token (`?token=`): the only way in. */
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
} as const;

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache = false, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "cache-control": cache ? "private, max-age=300" : "no-store", ...extra });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new UsageError("request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch {
        reject(new UsageError("the body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

function sinceParam(url: URL): number {
  const v = Number(url.searchParams.get("since") ?? 0);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** The request handler: routes, guard, JSON answers with every secret value redacted. */
export function createHandler(
  backend: DashboardBackend,
  opts: { token: string; port: () => number; assets?: Map<string, Asset>; readOnly?: boolean; challenge?: () => unknown },
): (req: IncomingMessage, res: ServerResponse) => void {
  const assets = opts.assets ?? loadAssets();
  const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, "application/json; charset=utf-8", redact(JSON.stringify(value), backend.secrets()));
  return (req, res) => {
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const fromUrl = req.method === "GET" ? (url.searchParams.get(TOKEN_PARAM) ?? undefined) : undefined;
    const fromCookie = cookieToken(header("cookie"), opts.port());
    const token = sameToken(fromCookie, opts.token) ? fromCookie : fromUrl;
    const refused = refusal(
      { method: req.method, remote: req.socket.remoteAddress, host: header("host"), origin: header("origin"), contentType: header("content-type"), token },
      opts.port(),
      opts.token,
    );
    if (refused?.status === 401 && !url.pathname.startsWith("/api/")) return send(res, 401, "text/html; charset=utf-8", unauthorizedPage(opts.port()));
    if (refused) return json(res, refused.status, { error: refused.reason });
    if (url.searchParams.has(TOKEN_PARAM)) {
      // the token moves from the URL into the cookie, and the address bar (and history) forget it
      url.searchParams.delete(TOKEN_PARAM);
      return send(res, 303, "text/plain; charset=utf-8", "", false, { location: `${url.pathname}${url.search}`, "set-cookie": tokenCookie(opts.port(), opts.token) });
    }
    const route = `${req.method} ${url.pathname}`;
    if (opts.readOnly && req.method === "POST") return json(res, 403, { error: "this dashboard is read-only (started with --read-only): it cannot break or heal hosts" });
    const answer = async (): Promise<void> => {
      switch (route) {
        case "GET /":
        case "GET /index.html":
          return send(res, 200, "text/html; charset=utf-8", pageHtml(opts.readOnly === true));
        case "GET /api/state":
          return json(res, 200, await backend.state());
        case "GET /api/series":
          return json(res, 200, await backend.series(sinceParam(url)));
        case "GET /api/events":
          return json(res, 200, await backend.events(sinceParam(url)));
        case "GET /api/challenge":
          return json(res, 200, { challenge: (opts.challenge ?? challengePanel)() });
        case "POST /api/fault": {
          const { host, action } = parseFault(await readBody(req));
          return json(res, 200, { results: await backend.fault(host, action) });
        }
        case "POST /api/heal": {
          const { host } = parseHeal(await readBody(req));
          return json(res, 200, { results: await backend.heal(host) });
        }
      }
      const asset = req.method === "GET" ? assets.get(url.pathname) : undefined;
      if (asset) return send(res, 200, asset.type, asset.body, true);
      json(res, url.pathname.startsWith("/api/") && req.method !== "GET" && req.method !== "POST" ? 405 : 404, { error: `no ${route}` });
    };
    // A lab busy with another command (its lock is held) is a conflict the page can retry, not a bad request.
    const status = (err: unknown) => (err instanceof LockedError ? 409 : err instanceof UsageError ? 400 : 500);
    answer().catch((err: unknown) => json(res, status(err), { error: err instanceof Error ? err.message : String(err) }));
  };
}

/** Starts the dashboard on 127.0.0.1:`port` (0: any free port) and resolves once it listens. */
export async function startDashboard(backend: DashboardBackend, port: number, opts: { readOnly?: boolean } = {}): Promise<RunningDashboard> {
  const token = newToken();
  const server = createServer();
  let bound = port;
  server.on("request", createHandler(backend, { token, port: () => bound, readOnly: opts.readOnly === true }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/?${TOKEN_PARAM}=${token}`,
    port: bound,
    token,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
