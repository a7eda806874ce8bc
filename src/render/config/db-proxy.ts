// The database proxy on each app host (/etc/haproxy/db-proxy.cfg), and the failover machinery's other config files.
import { PORTS, type Host, type Model } from "../../model/index.js";
import { renderFailoverConfigs } from "./failover.js";
import { header, hostsWithRole, privateAddress, text } from "./common.js";
import { TLS_FILES } from "./paths.js";
import type { RenderedFile, Secrets } from "./types.js";

/** Where the database proxy's config, admin socket and pid file live on an app host. */
export const DB_PROXY_FILES = {
  config: "/etc/haproxy/db-proxy.cfg",
  runDir: "/run/haproxy-db",
  adminSocket: "/run/haproxy-db/admin.sock",
} as const;

const IND = "    ";
const section = (title: string, body: string[]) => [title, ...body.map((l) => (l === "" ? "" : `${IND}${l}`))];

/** True when the host runs a database proxy. */
export function runsDbProxy(model: Model, host: Host): boolean {
  return model.services.some((s) => s.host === host.name && s.kind === "db-proxy");
}

/** Renders /etc/haproxy/db-proxy.cfg: writes to the one server whose agent says it is the primary, reads to a healthy replica. */
export function renderDbProxy(model: Model, host: Host): RenderedFile {
  const dbs = hostsWithRole(model, "db");
  const tls = model.tls.internal;
  const check = (what: "write" | "replica") => ["option tcp-check", `tcp-check connect port ${PORTS.dbAgentCheck}${tls ? " ssl" : ""}`, `tcp-check send "${what}\\n"`, "tcp-check expect rstring ^up"];
  // With internal TLS the check itself is TLS, and the agent must prove it is that host's (its certificate's name):
  // an answer "up" decides where writes go. The MySQL traffic is not touched: the app and MariaDB do their own TLS.
  const servers = dbs.map((d) => `server ${d.name} ${privateAddress(d)}:${PORTS.mysql}${tls ? ` verifyhost ${d.name}` : ""}`);
  // An app host that is also a database host reads from its own replica first (reads stay on the machine).
  const local = dbs.some((d) => d.name === host.name);
  const readers = servers.map((line, i) => (local && dbs[i]!.name !== host.name ? `${line} backup` : line));
  const checkTls = tls ? ` ca-file ${TLS_FILES.ca} verify required` : "";
  const lines = [
    header(model),
    `# The database proxy on ${host.name}. The app connects to 127.0.0.1:${PORTS.dbProxyWrite} for writes and`,
    `# 127.0.0.1:${PORTS.dbProxyRead} for reads; it never needs to know which server is the primary now.`,
    "#",
    `# Each server is checked by asking its agent (port ${PORTS.dbAgentCheck}${tls ? ", over TLS" : ""}) a one-line question: "write" is`,
    '# answered "up" only by a server that takes writes and has not been fenced; "replica" only by a',
    "# replica that replicates and is not far behind. The check is the health check itself (not an",
    "# agent-check beside a TCP check): a server whose agent is silent is down, never left in its last state.",
    "# TLS between the app and MariaDB passes through untouched (TCP mode): the app still checks the",
    "# server's certificate against the lab CA.",
    "",
    ...section("global", [
      "log stdout format raw local0",
      "master-worker",
      "nbthread 1",
      "maxconn 1024",
      `pidfile ${DB_PROXY_FILES.runDir}/haproxy.pid`,
      `stats socket ${DB_PROXY_FILES.adminSocket} mode 600 level admin expose-fd listeners`,
      "stats timeout 10s",
      "hard-stop-after 5s",
    ]),
    "",
    ...section("defaults", [
      "mode tcp",
      "log global",
      "option dontlog-normal",
      "# a server that does not accept within 500 ms is tried again elsewhere (another server when there is one)",
      "timeout connect 500ms",
      "retries 2",
      "option redispatch 1",
      "# the app's pools keep idle connections for 30 s; queries last milliseconds",
      "timeout client 10m",
      "timeout server 10m",
      "timeout check 250ms",
    ]),
    "",
    ...section("frontend db_write", [`bind 127.0.0.1:${PORTS.dbProxyWrite}`, "default_backend db_write"]),
    "",
    ...section("frontend db_read", [
      `bind 127.0.0.1:${PORTS.dbProxyRead}`,
      "# a healthy replica when there is one, else the primary",
      "use_backend db_replicas if { nbsrv(db_replicas) gt 0 }",
      "default_backend db_write",
    ]),
    "",
    ...section("backend db_write", [
      "# one primary at a time: `first` sends every connection to the same server even if two claimed",
      "# to be writable, and the agents make sure none does",
      "balance first",
      ...check("write"),
      "# a lost primary is out after 2 checks (<= 0.6 s); a promoted one is in at its first check (<= 0.1 s);",
      "# connections to a server marked down are cut at once, so the app reconnects instead of waiting",
      `default-server check inter 250ms fastinter 100ms downinter 100ms rise 1 fall 2 on-marked-down shutdown-sessions${checkTls}`,
      ...servers,
    ]),
    "",
    ...section("backend db_replicas", [
      "balance leastconn",
      ...check("replica"),
      `default-server check inter 500ms fastinter 200ms downinter 250ms rise 2 fall 2 on-marked-down shutdown-sessions${checkTls}`,
      ...(local ? [`# ${host.name}'s own replica first; the others only when it cannot serve`] : []),
      ...readers,
    ]),
  ];
  return { path: DB_PROXY_FILES.config, content: text(lines) };
}

/** Every file of the database failover machinery a host needs: its proxy config, its agent's or controller's config. */
export function renderDbFailover(model: Model, host: Host, secrets: Secrets): RenderedFile[] {
  return [...(runsDbProxy(model, host) ? [renderDbProxy(model, host)] : []), ...renderFailoverConfigs(model, host, secrets)];
}
