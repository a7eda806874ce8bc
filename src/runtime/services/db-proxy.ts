// The database proxy on each app host: HAProxy in TCP mode, its own config, admin socket and pid file.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PORTS } from "../../model/ports.js";
import { DB_PROXY_FILES } from "../../render/config/db-proxy.js";
import { execAs, privateRunDir, runScript, tcpProbe, type ServiceDef } from "./types.js";

/** The proxy listens on loopback ports above 1024 and is reloaded by signals from runit: it needs no root at all. */
export const DB_PROXY_USER = { user: "haproxy", group: "haproxy" } as const;

export const dbProxy: ServiceDef = {
  kind: "db-proxy",
  requires: [{ binary: "haproxy", pkg: "haproxy", why: "the database proxy on app hosts" }],
  after: [],
  reload: { files: ["/etc/haproxy/db-proxy.cfg"], signal: "usr2" },
  runScript: () => runScript("db-proxy", [...privateRunDir(DB_PROXY_FILES.runDir, DB_PROXY_USER), execAs(DB_PROXY_USER, ["haproxy", "-Ws", "-f", DB_PROXY_FILES.config])]),
  prepare: (ctx) => void mkdirSync(join(ctx.root, DB_PROXY_FILES.runDir.slice(1)), { recursive: true }),
  probe: () => tcpProbe("127.0.0.1", PORTS.dbProxyWrite),
  readyTimeoutMs: 10_000,
};
