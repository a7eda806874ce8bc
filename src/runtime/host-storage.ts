// Each host's own /var/lib/prometheus: the TSDB, Alertmanager's state and the textfile directory are per host, not the machine's.
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { MONITORING_FILES } from "../render/config/prometheus.js";
import { chownTo } from "./host.js";
import type { ServiceContext } from "./services/types.js";

/** Debian's data folder of Prometheus, its exporters and Alertmanager. */
export const PROMETHEUS_DATA = "/var/lib/prometheus";
/** The system user the monitoring daemons run as (created by Debian's prometheus packages). */
export const PROMETHEUS_USER = "prometheus";

/**
 * Creates the host's own copy of /var/lib/prometheus (with the textfile folder) in its tree,
 * owned by the prometheus user. Runs before the host starts.
 */
export function prepareHostStorage(ctx: ServiceContext): void {
  const dir = join(ctx.root, PROMETHEUS_DATA.slice(1));
  const textfiles = join(ctx.root, MONITORING_FILES.textfileDir.slice(1));
  mkdirSync(textfiles, { recursive: true });
  chownTo(dir, PROMETHEUS_USER);
  chownTo(textfiles, PROMETHEUS_USER);
  // The failover controller (nobody, in the prometheus group) writes its metrics here.
  chmodSync(textfiles, 0o775);
}

/**
 * Run-script lines that put the host's copy over /var/lib/prometheus inside the host (once, whichever
 * monitoring service starts first). The host tree is reachable at the same path from inside the host,
 * and the host's mounts are private, so the machine's own /var/lib/prometheus is never touched.
 */
export function hostStorageLines(ctx: ServiceContext): string[] {
  const own = join(ctx.root, PROMETHEUS_DATA.slice(1));
  return [`mountpoint -q ${PROMETHEUS_DATA} || mount --bind '${own}' ${PROMETHEUS_DATA}`];
}

/**
 * The environment every monitoring daemon (Go programs) runs with: one thread for Go code (the lab shares
 * two cores), and garbage collection at half the default heap growth (measured: about 2 MB less per exporter).
 */
export const GO_ENV_LINES = ["export GOMAXPROCS=1 GOGC=50"];

/** The command prefix that drops root for a monitoring daemon (runit's chpst). */
export function asPrometheusUser(argv: string[]): string {
  return ["exec", "chpst", "-u", `${PROMETHEUS_USER}:${PROMETHEUS_USER}`, ...argv].join(" ");
}
