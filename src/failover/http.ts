// A tiny JSON-over-HTTP layer shared by the agents, the controller and the CLI (TCP with a token, or a unix socket).
import { request as httpRequest, createServer as createHttpServer, type Agent as HttpAgent, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request as httpsRequest, createServer as createHttpsServer } from "node:https";
import { timingSafeEqual } from "node:crypto";
import { LAB_TLS_POLICY } from "../render/config/tls-policy.js";

/** A request as a handler sees it. */
export interface JsonRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** The peer's address ("unix" for the unix socket). */
  remote: string;
  /** True when the caller proved it knows the token, or came through the unix socket (file permissions). */
  trusted: boolean;
}

export type JsonHandler = (req: JsonRequest) => Promise<{ status: number; body: unknown }>;

/** An error a handler throws to answer with a status other than 500. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The largest request body a JSON server reads (the API's bodies are a few hundred bytes). */
export const MAX_BODY_BYTES = 16 * 1024;
/** Request heads larger than this are refused by Node's parser (431). */
export const MAX_HEADER_BYTES = 8 * 1024;
/** A request must arrive whole within this (headers within half of it): a slow client cannot hold a socket. */
export const REQUEST_TIMEOUT_MS = 5000;

/** Answers an error and closes the connection without reading what is left of the request. */
function refuse(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { "content-type": "application/json", connection: "close" }).end(`${JSON.stringify({ error })}\n`, () => res.socket?.destroy());
}

/**
 * Builds a server answering JSON; `tls` makes it HTTPS. Requests over TCP must carry `Authorization: Bearer <token>`
 * to be trusted. The token is checked on the request's head, before any of its body is read: an untrusted request
 * with a body is refused (401) and its connection closed unread. A body larger than MAX_BODY_BYTES is refused (413)
 * the same way, as soon as its announced length or the bytes received pass the limit.
 */
export function jsonServer(handler: JsonHandler, opts: { token: string; tls?: { cert: string; key: string } | undefined; unix?: boolean }): Server {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const auth = req.headers.authorization ?? "";
    const trusted = opts.unix === true || (auth.startsWith("Bearer ") && sameToken(auth.slice(7), opts.token));
    const length = req.headers["content-length"] === undefined ? null : Number(req.headers["content-length"]);
    const hasBody = (length !== null && length !== 0) || req.headers["transfer-encoding"] !== undefined;
    if (hasBody && !trusted) return refuse(res, 401, "missing or wrong token");
    if (length !== null && !(length <= MAX_BODY_BYTES)) return refuse(res, 413, `a body is at most ${MAX_BODY_BYTES} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        chunks.length = 0;
        req.pause();
        refuse(res, 413, `a body is at most ${MAX_BODY_BYTES} bytes`);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (refused) return;
      const url = new URL(req.url ?? "/", "http://x");
      let body: unknown = undefined;
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown) : undefined;
      } catch {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "body must be JSON" }));
        return;
      }
      const remote = opts.unix ? "unix" : (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
      handler({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, body, remote, trusted })
        .then(({ status, body: out }) => res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(out)}\n`))
        .catch((e: unknown) => {
          const status = e instanceof HttpError ? e.status : 500;
          res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
        });
    });
  };
  const limits = { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS / 2 };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, ...LAB_TLS_POLICY, ...limits }, listener) : createHttpServer(limits, listener);
  // Callers are the controller and the CLI: a handful of connections. More are refused rather than buffered.
  server.maxConnections = 64;
  return server;
}

/** Where and how to call a JSON server. */
export interface CallTarget {
  /** http(s)://host:port, or omitted with `socketPath`. */
  base?: string;
  socketPath?: string;
  token?: string;
  /** PEM of the CA the server's certificate must chain to (HTTPS). */
  ca?: string;
  /** Name the server's certificate must carry (HTTPS). */
  servername?: string;
  /** A keep-alive agent, so that polling does not pay a TLS handshake every time. */
  agent?: HttpAgent;
}

/** Calls a JSON endpoint; rejects on a timeout, a network error or a status >= 400 (with the server's error text). */
export function callJson<T>(target: CallTarget, method: string, path: string, body?: unknown, timeoutMs = 2000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const url = new URL(path, target.base ?? "http://localhost");
    const https = url.protocol === "https:";
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (target.token) headers.authorization = `Bearer ${target.token}`;
    const options = {
      method,
      headers,
      timeout: timeoutMs,
      ...(target.socketPath ? { socketPath: target.socketPath, path: url.pathname + url.search } : { hostname: url.hostname, port: url.port, path: url.pathname + url.search }),
      ...(https ? { ca: target.ca, servername: target.servername, rejectUnauthorized: true } : {}),
      agent: target.agent ?? false,
    };
    const req = (https ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          reject(new Error(`${method} ${path}: answer is not JSON: ${text.slice(0, 200)}`));
          return;
        }
        if ((res.statusCode ?? 500) >= 400) reject(new HttpError(res.statusCode ?? 500, (parsed as { error?: string } | undefined)?.error ?? `HTTP ${res.statusCode}`));
        else resolve(parsed as T);
      });
      res.on("error", reject);
    });
    // A whole-call deadline: `timeout` above only covers idle sockets.
    const timer = setTimeout(() => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(payload);
  });
}
