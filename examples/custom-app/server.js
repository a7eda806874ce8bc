// A tiny app of your own for stacklab's custom mode: plain Node, no dependencies.
// The runner starts one copy per worker and sets PORT (and HOST=127.0.0.1) for each.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { hostname } from "node:os";
import { setTimeout } from "node:timers";
import { URL } from "node:url";

const port = Number(process.env.PORT ?? 8000);
const host = process.env.HOST; // unset: every address
const version = process.env.APP_VERSION ?? "dev";
const startedAt = new Date().toISOString();
let served = 0;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// With end-to-end TLS (tls.internal: true) the lab sets TLS_CERT and TLS_KEY: serve HTTPS then.
const tls = process.env.TLS_CERT && process.env.TLS_KEY ? { cert: readFileSync(process.env.TLS_CERT), key: readFileSync(process.env.TLS_KEY) } : undefined;

const handler = (req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  served += 1;
  if (path === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "ok", pid: process.pid, port, version }) + "\n");
    return;
  }
  if (path === "/") {
    const web = req.headers["x-served-by-web"] ?? "none";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "x-served-by-app": `${hostname()}/${process.pid}` });
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My app</title></head>
<body>
<h1>Hello from my own app</h1>
<p>Worker pid ${process.pid} on ${escapeHtml(hostname())}, port ${port}, version ${escapeHtml(version)}, up since ${startedAt}.</p>
<p>Web server: ${escapeHtml(web)}. Requests this worker answered: ${served}.</p>
</body></html>
`);
    return;
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found\n");
};

const server = tls ? createHttpsServer(tls, handler) : createServer(handler);

server.listen(port, host, () => console.log(`custom-app: pid ${process.pid} listening on ${host ?? "*"}:${port}${tls ? " (https)" : ""}`));

// Stop gracefully: finish what is in flight, close idle keep-alive connections, then exit.
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
});
