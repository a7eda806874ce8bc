// nginx.conf for a web host: static files from disk, everything else proxied to the app servers.
import { PORTS, type Host, type Model } from "../../model/index.js";
import { appPort, header, hostsWithRole, HSTS_MAX_AGE, privateAddress, SITE_HEADERS, text, webCertificate } from "./common.js";
import { APP_TLS_NAME, STATIC_DIR, TLS_FILES } from "./paths.js";
import { TLS12_CIPHERS } from "./tls-policy.js";
import type { RenderedFile } from "./types.js";

/** Seconds nginx keeps an idle connection to an app server; the app's drain waits longer (DRAIN_IDLE_GRACE_MS). */
export const UPSTREAM_IDLE_S = 2;

const IND = "    ";

/** Renders /etc/nginx/nginx.conf for a web host: complete, with no include of Debian's files. */
export function renderNginx(model: Model, host: Host): RenderedFile {
  const cert = webCertificate(model);
  const apps = hostsWithRole(model, "app");
  const lines = [
    header(model),
    `# nginx on ${host.name}: serves /static/ from ${STATIC_DIR} and proxies every other request`,
    `# to the app servers (${apps.map((a) => a.name).join(", ")}), trying another one when a server fails.`,
    "# /healthz is answered by nginx itself: the load balancer's check is about this web server;",
    "# a failing app server is already worked around here, and checking through to the app would",
    "# take every web server out at once whenever the shared app tier has trouble.",
    "",
    "user www-data;",
    "# one worker: a whole lab shares two cores",
    "worker_processes 1;",
    "pid /run/nginx.pid;",
    "error_log stderr warn;",
    "",
    "events {",
    "    worker_connections 1024;",
    "}",
    "",
    "http {",
    ...indent(httpBlock(model, host, cert)),
    "}",
  ];
  return { path: "/etc/nginx/nginx.conf", content: text(lines) };
}

function indent(lines: string[]): string[] {
  return lines.map((l) => (l === "" ? "" : `${IND}${l}`));
}

function block(title: string, body: string[]): string[] {
  return [`${title} {`, ...indent(body), "}"];
}

function httpBlock(model: Model, host: Host, cert: "none" | "host" | "site"): string[] {
  const apps = hostsWithRole(model, "app");
  return [
    "# a short type table keeps this file self-contained",
    ...block("types", [
      "text/html html htm;",
      "text/css css;",
      "text/plain txt;",
      "application/javascript js;",
      "application/json json;",
      "image/png png;",
      "image/jpeg jpg jpeg;",
      "image/svg+xml svg;",
      "image/x-icon ico;",
    ]),
    "default_type application/octet-stream;",
    "",
    `log_format stacklab '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time lb=$http_x_served_by_lb app=$upstream_addr';`,
    "access_log /var/log/nginx/access.log stacklab;",
    "client_body_temp_path /var/lib/nginx/body;",
    "proxy_temp_path /var/lib/nginx/proxy;",
    "fastcgi_temp_path /var/lib/nginx/fastcgi;",
    "uwsgi_temp_path /var/lib/nginx/uwsgi;",
    "scgi_temp_path /var/lib/nginx/scgi;",
    "sendfile on;",
    "tcp_nopush on;",
    "keepalive_timeout 15s;",
    "server_tokens off;",
    ...(cert !== "none"
      ? [
          "# TLS 1.2 and 1.3 only, forward-secret AEAD suites only",
          "ssl_protocols TLSv1.2 TLSv1.3;",
          `ssl_ciphers ${TLS12_CIPHERS};`,
          "ssl_prefer_server_ciphers off;",
          "ssl_session_cache shared:SSL:1m;",
          "ssl_session_timeout 10m;",
          "ssl_session_tickets off;",
        ]
      : []),
    "",
    ...block("upstream app", [
      // A web server that also runs the app uses its own first; the others stand by for when it fails.
      ...(host.roles.includes("app") && apps.length > 1 ? ["# this host's own app first; the other app servers only when it fails"] : []),
      "# two failures in a row (not one) take an app server out for 2 s: one slow TLS handshake on a busy",
      '# machine must not take every app server out at once ("no live upstreams")',
      ...apps.map((a) => `server ${privateAddress(a)}:${appPort(model)} max_fails=2 fail_timeout=2s${host.roles.includes("app") && a.name !== host.name ? " backup" : ""};`),
      ...(!host.roles.includes("app") && apps.length > 1
        ? [
            "# the same app servers again as backups never marked failed: when nginx has marked every one of them",
            "# failed (a busy small app server answers a new TLS handshake after the connect timeout), it still",
            '# tries them instead of answering 502 "no live upstreams" to every request for 2 s',
            ...apps.map((a) => `server ${privateAddress(a)}:${appPort(model)} backup max_fails=0;`),
          ]
        : []),
      "# idle connections kept open to the app servers, and closed by nginx itself after 2 s idle: an app",
      "# server draining for a reload closes idle ones only later (3 s), so nginx never sends a request on a",
      "# connection the app server is closing at that moment (a POST cut that way is not sent again)",
      "keepalive 16;",
      `keepalive_timeout ${UPSTREAM_IDLE_S}s;`,
    ]),
    "",
    ...plainServer(model, cert),
    ...(cert !== "none" ? ["", ...tlsServer(model, cert)] : []),
    ...(host.monitored ? ["", ...statusServer(model, host)] : []),
  ];
}

function healthz(): string[] {
  return block("location = /healthz", ["access_log off;", "default_type text/plain;", 'return 200 "ok\\n";']);
}

function plainServer(model: Model, cert: "none" | "host" | "site"): string[] {
  const redirect = cert !== "none";
  return block("server", [
    `listen ${PORTS.http} default_server;`,
    "server_name _;",
    "",
    ...healthz(),
    "",
    ...(redirect ? block("location /", ["return 301 https://$host$request_uri;"]) : siteLocations(model, false)),
  ]);
}

function tlsServer(model: Model, cert: "host" | "site"): string[] {
  const [crt, key] = cert === "host" ? [TLS_FILES.hostCert, TLS_FILES.hostKey] : [TLS_FILES.siteCert, TLS_FILES.siteKey];
  return block("server", [
    `listen ${PORTS.https} ssl http2 default_server;`,
    "server_name _;",
    cert === "host" ? "# the load balancer re-encrypts to this host and checks its own certificate" : "# users' TLS ends here: this host presents the site's certificate",
    `ssl_certificate ${crt};`,
    `ssl_certificate_key ${key};`,
    "",
    ...healthz(),
    "",
    ...siteLocations(model, cert === "site"),
  ]);
}

/** True when HAProxy in http mode stands in front: it sets X-Forwarded-* and X-Served-By-LB. */
function behindHttpLb(model: Model): boolean {
  return model.loadBalancer !== null && model.tls.mode !== "passthrough";
}

function siteLocations(model: Model, hsts: boolean): string[] {
  const internal = model.tls.internal;
  const lb = behindHttpLb(model);
  const served = [
    "add_header X-Served-By-Web $hostname always;",
    ...(hsts ? [`add_header Strict-Transport-Security "max-age=${HSTS_MAX_AGE}" always;`] : []),
    ...SITE_HEADERS.map(([name, value]) => `add_header ${name} "${value}" always;`),
  ];
  return [
    ...block("location /static/", [`alias ${STATIC_DIR}/;`, "expires 1h;", ...served]),
    "",
    ...block("location /", [
      `proxy_pass ${internal ? "https" : "http"}://app;`,
      "proxy_http_version 1.1;",
      'proxy_set_header Connection "";',
      "proxy_set_header Host $host;",
      "proxy_set_header X-Served-By-Web $hostname;",
      ...(lb
        ? ["# X-Served-By-LB and X-Forwarded-Proto come from HAProxy and pass through unchanged", "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"]
        : [
            "# no HTTP load balancer in front: a header sent by a user cannot claim one",
            'proxy_set_header X-Served-By-LB "";',
            "proxy_set_header X-Forwarded-For $remote_addr;",
            "proxy_set_header X-Forwarded-Proto $scheme;",
          ]),
      "# the app servers are on the same machine: one that has not answered in 500 ms (TCP and TLS) is dead",
      "# or drowning, and the request (any method: nothing was sent yet) goes to the next one",
      "proxy_connect_timeout 500ms;",
      "proxy_read_timeout 10s;",
      "# another app server is tried on failure; non_idempotent is not set, so a POST is never sent twice.",
      "# Not on 503: the app answers 503 when the database is unavailable, which another app server cannot",
      "# fix, and counting it as the app server's failure would take every app server out of rotation at",
      '# once ("no live upstreams") while reads still work',
      "proxy_next_upstream error timeout http_502;",
      "proxy_next_upstream_tries 2;",
      ...(internal
        ? [
            "# TLS to the app servers, verified against the lab CA; every app certificate carries this name",
            "proxy_ssl_verify on;",
            `proxy_ssl_trusted_certificate ${TLS_FILES.ca};`,
            `proxy_ssl_name ${APP_TLS_NAME};`,
            "proxy_ssl_server_name on;",
            "proxy_ssl_protocols TLSv1.2 TLSv1.3;",
          ]
        : []),
      ...served,
    ]),
  ];
}

function statusServer(model: Model, host: Host): string[] {
  const cidr = model.networks.find((n) => n.name === "private")?.cidr;
  return block("server", [
    "# connection counters for the nginx exporter",
    `listen 127.0.0.1:${PORTS.nginxStatus};`,
    `listen ${privateAddress(host)}:${PORTS.nginxStatus};`,
    "access_log off;",
    "allow 127.0.0.1;",
    ...(cidr ? [`allow ${cidr};`] : []),
    "deny all;",
    ...block("location = /stub_status", ["stub_status;"]),
  ]);
}
