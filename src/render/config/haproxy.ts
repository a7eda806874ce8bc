// haproxy.cfg for a load-balancer host: entry frontends, the web backend with active health checks, stats and metrics.
import { PORTS, type Host, type LoadBalancerModel, type Model } from "../../model/index.js";
import { header, hostsWithRole, HSTS_MAX_AGE, privateAddress, SITE_HEADERS, text } from "./common.js";
import { TLS_FILES } from "./paths.js";
import { TLS12_CIPHERS, TLS13_SUITES, TLS_MIN_VERSION } from "./tls-policy.js";
import type { RenderedFile } from "./types.js";

/** HAProxy's global maxconn: each connection costs two file descriptors, and the lab's limit is 20000. */
export const HAPROXY_MAXCONN = 4096;

const IND = "    ";

/** Renders /etc/haproxy/haproxy.cfg for a load-balancer host. */
export function renderHaproxy(model: Model, host: Host): RenderedFile {
  const lb = model.loadBalancer;
  if (!lb) throw new Error(`design ${model.name} has no load balancer`);
  const passthrough = model.tls.mode === "passthrough";
  const entries = model.entryPoints.filter((e) => e.holders.includes(host.name)).map((e) => e.address);
  const lines = [
    header(model),
    `# HAProxy on ${host.name}: users reach it at ${entries.join(", ") || "(no entry address)"}; it balances`,
    `# ${lb.algorithm} over the web servers and takes out of rotation any that fails ${lb.healthCheck.fall} health checks in a row.`,
    "",
    ...globalSection(model),
    "",
    ...defaultsSection(model, passthrough),
    "",
    ...(passthrough ? passthroughFrontends() : httpFrontend(model)),
    "",
    ...(passthrough ? passthroughBackend(model, lb) : httpBackend(model, lb)),
    "",
    ...statsFrontend(host),
    ...(host.monitored ? ["", ...metricsFrontend(host)] : []),
  ];
  return { path: "/etc/haproxy/haproxy.cfg", content: text(lines) };
}

function section(title: string, body: string[]): string[] {
  return [title, ...body.map((l) => (l === "" ? "" : `${IND}${l}`))];
}

function globalSection(model: Model): string[] {
  const tls = model.tls.mode !== "none";
  return section("global", [
    "log stdout format raw local0",
    "master-worker",
    "# one thread: a whole lab shares two cores",
    "nbthread 1",
    `maxconn ${HAPROXY_MAXCONN}`,
    "pidfile /run/haproxy/haproxy.pid",
    "# the master keeps root to bind ports and reload; the workers that handle traffic drop to haproxy",
    "user haproxy",
    "group haproxy",
    "stats socket /run/haproxy/admin.sock mode 600 level admin expose-fd listeners",
    "stats timeout 30s",
    "# an old process left after a reload ends within 30 s even if clients hold connections",
    "hard-stop-after 30s",
    ...(tls
      ? [
          "# TLS 1.2 and 1.3 only, forward-secret AEAD suites only, towards users and towards the web servers",
          `ssl-default-bind-options ssl-min-ver ${TLS_MIN_VERSION} no-tls-tickets`,
          `ssl-default-bind-ciphers ${TLS12_CIPHERS}`,
          `ssl-default-bind-ciphersuites ${TLS13_SUITES}`,
          `ssl-default-server-options ssl-min-ver ${TLS_MIN_VERSION}`,
          `ssl-default-server-ciphers ${TLS12_CIPHERS}`,
          `ssl-default-server-ciphersuites ${TLS13_SUITES}`,
        ]
      : []),
  ]);
}

function defaultsSection(model: Model, passthrough: boolean): string[] {
  const hc = model.loadBalancer!.healthCheck;
  return section("defaults", [
    `mode ${passthrough ? "tcp" : "http"}`,
    "log global",
    "# timeouts sized for a lab where every hop is on the same machine",
    "# every hop is on one machine: an answer to a connection takes well under a millisecond, so a server",
    "# that has not answered in 500 ms is dead or drowning, and the attempt moves to another (retries below)",
    "timeout connect 500ms",
    "timeout client 30s",
    "timeout server 10s",
    "timeout http-request 5s",
    "timeout http-keep-alive 5s",
    "timeout queue 5s",
    `timeout check ${hc.intervalMs}ms`,
    "# a failed connection is tried again, on another server each time",
    "retries 3",
    "option redispatch 1",
  ]);
}

function httpFrontend(model: Model): string[] {
  const tls = model.tls.mode !== "none";
  return section("frontend www", [
    "# all addresses, so a floating IP that arrives later is served without a rebind",
    `bind :${PORTS.http}`,
    ...(tls ? [`bind :${PORTS.https} ssl crt ${TLS_FILES.sitePem} alpn h2,http/1.1`] : []),
    "mode http",
    "option httplog",
    "option forwardfor",
    ...(tls ? ["http-request redirect scheme https code 301 unless { ssl_fc }", "http-request set-header X-Forwarded-Proto https"] : ["http-request set-header X-Forwarded-Proto http"]),
    "http-request set-header X-Served-By-LB %[hostname]",
    "http-response set-header X-Served-By-LB %[hostname]",
    ...(tls ? [`http-response set-header Strict-Transport-Security "max-age=${HSTS_MAX_AGE}"`] : []),
    ...SITE_HEADERS.map(([name, value]) => `http-response set-header ${name} "${value}"`),
    "default_backend web",
  ]);
}

function passthroughFrontends(): string[] {
  return [
    ...section("frontend www", [
      "# plain HTTP only answers with a redirect; the site itself is on :443",
      `bind :${PORTS.http}`,
      "mode http",
      "option httplog",
      "http-request redirect scheme https code 301",
    ]),
    "",
    ...section("frontend www_tls", [
      "# TLS passes through unopened: the web servers hold the site's certificate,",
      "# so no header can be added here and the web servers see the load balancer's address",
      `bind :${PORTS.https}`,
      "mode tcp",
      "option tcplog",
      "default_backend web_tls",
    ]),
  ];
}

/** Active health checks; `extra` adds server options (TLS) to the one default-server line. */
function healthChecks(lb: LoadBalancerModel, extra = "", mode: "http" | "tcp" = "http"): string[] {
  const { intervalMs, fall, rise } = lb.healthCheck;
  const fast = Math.max(100, Math.floor(intervalMs / 2));
  return [
    "# nginx answers /healthz itself: the check is about the web server, not the app behind it",
    "option httpchk GET /healthz",
    "http-check expect status 200",
    "# a connection that real traffic fails to open switches the checks to their fast pace at once,",
    "# so a dead server leaves rotation after `fall` fast checks instead of `fall` normal ones",
    ...(mode === "http"
      ? [
          "# (no shutdown-sessions here: in HTTP mode it would also cut visitors' idle keep-alive connections,",
          "# and a request caught on one gets no answer; requests to a dead server are retried instead)",
        ]
      : ["# sessions still open to a server marked down are cut, so TLS clients reconnect to a live one"]),
    `default-server check inter ${intervalMs}ms fastinter ${fast}ms downinter ${intervalMs}ms fall ${fall} rise ${rise} observe layer4 error-limit 1 on-error fastinter${mode === "tcp" ? " on-marked-down shutdown-sessions" : ""}${extra}`,
  ];
}

function balance(lb: LoadBalancerModel): string[] {
  return lb.algorithm === "source" ? ["balance source", "hash-type consistent"] : [`balance ${lb.algorithm}`];
}

function httpBackend(model: Model, lb: LoadBalancerModel): string[] {
  const reencrypt = model.tls.mode === "reencrypt";
  const port = reencrypt ? PORTS.https : PORTS.http;
  const ssl = reencrypt ? ` ssl verify required ca-file ${TLS_FILES.ca} alpn http/1.1` : "";
  return section("backend web", [
    "mode http",
    ...balance(lb),
    ...healthChecks(lb, ssl),
    "# requests are sent again when the server closed or timed out without answering,",
    "# but only safe ones (GET, HEAD): a POST may have been carried out already",
    "retry-on conn-failure empty-response response-timeout",
    "http-request disable-l7-retry unless METH_GET",
    ...(reencrypt ? ["# a new TLS connection to each web server, whose own certificate is checked by name"] : []),
    ...hostsWithRole(model, "web").map((w) => `server ${w.name} ${privateAddress(w)}:${port}${reencrypt ? ` verifyhost ${w.name}` : ""}`),
  ]);
}

function passthroughBackend(model: Model, lb: LoadBalancerModel): string[] {
  return section("backend web_tls", [
    "mode tcp",
    ...balance(lb),
    "# checks speak HTTPS to the port users' TLS goes to, and verify the site's certificate",
    ...healthChecks(lb, ` check-ssl verify required ca-file ${TLS_FILES.ca} verifyhost ${model.domain}`, "tcp"),
    ...hostsWithRole(model, "web").map((w) => `server ${w.name} ${privateAddress(w)}:${PORTS.https}`),
  ]);
}

function statsFrontend(host: Host): string[] {
  return section("frontend stats", [
    "# the stats page, on the private network only",
    `bind ${privateAddress(host)}:${PORTS.haproxyStats}`,
    "mode http",
    "no log",
    "stats enable",
    "stats uri /",
    "stats refresh 5s",
    "stats show-node",
  ]);
}

function metricsFrontend(host: Host): string[] {
  return section("frontend prometheus", [`bind ${privateAddress(host)}:${PORTS.haproxyMetrics}`, "mode http", "no log", "http-request use-service prometheus-exporter if { path /metrics }"]);
}
