// The nginx exporter on web hosts: turns nginx's stub_status counters into Prometheus metrics.
import { PORTS } from "../../model/ports.js";
import { asPrometheusUser, GO_ENV_LINES } from "../host-storage.js";
import { addressOf, runScript, tcpProbe, type ServiceDef } from "./types.js";

export const nginxExporter: ServiceDef = {
  kind: "nginx-exporter",
  requires: [{ binary: "prometheus-nginx-exporter", pkg: "prometheus-nginx-exporter", why: "nginx metrics on web servers", versionArgs: ["--version"] }],
  after: ["nginx"],
  runScript: (ctx) =>
    runScript("nginx-exporter", [
      ...GO_ENV_LINES,
      // nginx may start a moment later: the exporter waits for stub_status instead of exiting
      asPrometheusUser([
        "prometheus-nginx-exporter",
        `-nginx.scrape-uri=http://127.0.0.1:${PORTS.nginxStatus}/stub_status`,
        `-web.listen-address=${addressOf(ctx.host)}:${PORTS.nginxExporter}`,
        "-nginx.retries=30",
        "-nginx.retry-interval=500ms",
        "-nginx.timeout=1s",
      ]),
    ]),
  probe: (ctx) => tcpProbe(addressOf(ctx.host), PORTS.nginxExporter),
  readyTimeoutMs: 20_000,
};
