// The node exporter on every monitored host: a few cheap collectors, plus the textfile folder other tools write metrics into.
import { PORTS } from "../../model/ports.js";
import { MONITORING_FILES } from "../../render/config/prometheus.js";
import { asPrometheusUser, GO_ENV_LINES, hostStorageLines, prepareHostStorage } from "../host-storage.js";
import { addressOf, runScript, tcpProbe, type ServiceContext, type ServiceDef } from "./types.js";

/**
 * The collectors the lab turns on. CPU, memory and load are the machine's (every host shares one kernel);
 * network counters are the host's own (its network namespace). The textfile collector publishes what the
 * failover controller writes; address info on load balancers tells who holds a floating IP.
 */
export function nodeExporterArgs(ctx: ServiceContext): string[] {
  const holdsFloating = ctx.model.entryPoints.some((e) => e.kind === "floating" && e.holders.includes(ctx.host.name));
  return [
    "prometheus-node-exporter",
    `--web.listen-address=${addressOf(ctx.host)}:${PORTS.nodeExporter}`,
    "--web.disable-exporter-metrics",
    "--collector.disable-defaults",
    "--collector.cpu",
    "--collector.loadavg",
    "--collector.meminfo",
    "--collector.netdev",
    ...(holdsFloating ? ["--collector.netdev.address-info"] : []),
    "--collector.textfile",
    `--collector.textfile.directory=${MONITORING_FILES.textfileDir}`,
  ];
}

export const nodeExporter: ServiceDef = {
  kind: "node-exporter",
  requires: [{ binary: "prometheus-node-exporter", pkg: "prometheus-node-exporter", why: "host metrics on every monitored host", versionArgs: ["--version"] }],
  after: [],
  runScript: (ctx) => runScript("node-exporter", [...hostStorageLines(ctx), ...GO_ENV_LINES, asPrometheusUser(nodeExporterArgs(ctx))]),
  prepare: prepareHostStorage,
  probe: (ctx) => tcpProbe(addressOf(ctx.host), PORTS.nodeExporter),
  readyTimeoutMs: 10_000,
};
