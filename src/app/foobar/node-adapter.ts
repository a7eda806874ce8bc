// The thin node:http(s) adapter around an AppHandler, with a graceful drain for reloads and shutdowns.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { LAB_TLS_POLICY } from "../../render/config/tls-policy.js";
import { Server as NetServer } from "node:net";
import type { AppHandler, AppRequest } from "./http-types.js";

/**
 * How long a draining server waits before it closes idle keep-alive connections. Longer than nginx keeps an idle
 * connection to an app server (2 s, UPSTREAM_IDLE_S in src/render/config/nginx.ts): nginx closes its idle ones
 * first, so it never sends a request on a connection this server is closing at that moment (such a POST is cut
 * and nginx rightly does not send it again). A busy connection is closed by its answer's `Connection: close`.
 */
export const DRAIN_IDLE_GRACE_MS = 3000;

/** Requests with a larger body are refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A server built by `serve`, with its drain. */
export interface AppServer {
  server: Server;
  /** Stops accepting, answers with Connection: close, closes idle connections after a grace, resolves when all are closed; cuts what is left after timeoutMs. */
  drain(timeoutMs: number, idleGraceMs?: number): Promise<{ forced: boolean }>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function toAppRequest(req: IncomingMessage, body: string): AppRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return { method: req.method ?? "GET", url: req.url ?? "/", headers, body };
}

/** Creates an HTTP server (HTTPS when tls is given) that answers with the handler; call listen() on it. */
export function serve(handler: AppHandler, tls?: { cert: string | Buffer; key: string | Buffer; ticketKeys?: Buffer | undefined }): AppServer {
  let draining = false;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let body = "";
      try {
        body = await readBody(req);
      } catch (e) {
        const tooLarge = e instanceof BodyTooLarge;
        res.writeHead(tooLarge ? 413 : 400, { "content-type": "text/plain; charset=utf-8", connection: "close" });
        res.end(tooLarge ? `request body over ${MAX_BODY_BYTES} bytes\n` : "could not read the request body\n");
        return;
      }
      const answer = await handler(toAppRequest(req, body));
      if (draining) answer.headers.connection = "close";
      res.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body) });
      res.end(req.method === "HEAD" ? undefined : answer.body);
    })().catch((e: unknown) => {
      console.error("foobar: answering failed:", e);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end();
    });
  };
  // The lab's TLS policy (src/render/config/tls-policy.ts): TLS 1.2+ and forward-secret AEAD suites only.
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.ticketKeys ? { ticketKeys: tls.ticketKeys } : {}), ...LAB_TLS_POLICY }, onRequest)
    : createHttpServer(onRequest);
  // Outlive the keep-alive of proxies in front (nginx keeps upstream connections 60 s) so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const drain = (timeoutMs: number, idleGraceMs = DRAIN_IDLE_GRACE_MS) =>
    new Promise<{ forced: boolean }>((resolve) => {
      draining = true;
      let forced = false;
      let sweep: NodeJS.Timeout | undefined;
      // Busy keep-alive clients get `Connection: close` on their next answer during the grace;
      // only then are idle connections closed (closing them at once races with a request in flight).
      const grace = setTimeout(
        () => {
          server.closeIdleConnections();
          sweep = setInterval(() => server.closeIdleConnections(), 50);
        },
        Math.min(idleGraceMs, timeoutMs),
      );
      const cut = setTimeout(() => {
        forced = true;
        server.closeAllConnections();
      }, timeoutMs);
      // net.Server's close stops accepting and waits for the open connections. http.Server's own
      // close() (Node >= 19) would also close idle keep-alive connections at once, which resets
      // requests that clients are sending on them at that moment.
      NetServer.prototype.close.call(server, () => {
        clearTimeout(grace);
        clearInterval(sweep);
        clearTimeout(cut);
        resolve({ forced });
      });
    });
  return { server, drain };
}
