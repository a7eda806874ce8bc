// prometheus.yml for the monitoring host: one scrape job per kind of exporter, targets taken from the model's scrape flows.
import { PORTS, type Model } from "../../model/index.js";
import { header, hostByName, privateAddress, text } from "./common.js";
import { TLS_FILES } from "./paths.js";
import type { RenderedFile } from "./types.js";

/** Where the monitoring files live inside the hosts (Debian's standard paths). */
export const MONITORING_FILES = {
  prometheus: "/etc/prometheus/prometheus.yml",
  rules: "/etc/prometheus/rules/stacklab.yml",
  alertmanager: "/etc/prometheus/alertmanager.yml",
  /** Credentials of the MariaDB exporter (the `monitor` user over the local socket), mode 0600. */
  mysqldExporter: "/etc/prometheus/mysqld-exporter.cnf",
  /** The node exporter's textfile collector reads every *.prom file here (Debian's default). */
  textfileDir: "/var/lib/prometheus/node-exporter",
} as const;

/** A string as a quoted YAML scalar: single quotes when that needs no escape (readable PromQL), else JSON's double quotes. */
export function yamlString(value: string): string {
  return /['\n]/.test(value) ? JSON.stringify(value) : `'${value}'`;
}
const q = yamlString;

/** Seconds between scrapes and between rule evaluations: short, so alerts fire within seconds in a lab. */
export const SCRAPE_INTERVAL_S = 2;
/** A scrape that takes longer than this counts as failed (up == 0). */
export const SCRAPE_TIMEOUT_S = 1;
/** How long Prometheus keeps samples: a lab lives minutes to hours. */
export const RETENTION = "2h";

/** One scrape job: which exporter, where, and how. `instance` is the host name, not the address. */
export interface ScrapeJob {
  job: "node" | "haproxy" | "nginx" | "mysqld" | "app" | "etcd";
  /** Scrape flow of the model this job follows (the firewall opens exactly these). */
  flow: string;
  scheme: "http" | "https";
  path: string;
  /** `flow`: the scrape flow of a target merged into a job made of several flows (etcd members of several roles). */
  targets: { instance: string; address: string; flow?: string }[];
}

const JOB_OF_FLOW: Record<string, ScrapeJob["job"]> = {
  "scrape-node": "node",
  "scrape-haproxy": "haproxy",
  "scrape-nginx": "nginx",
  "scrape-mysql": "mysqld",
  "scrape-app": "app",
};

/**
 * Every scrape job of the design, in a fixed order, from the model's `scrape-*` flows. A custom
 * app is not scraped: nothing promises it serves /metrics, and a target that never answers would
 * keep an alert firing.
 */
export function scrapeJobs(model: Model): ScrapeJob[] {
  if (!model.monitoring.host) return [];
  const jobs: ScrapeJob[] = [];
  for (const flow of model.flows) {
    const job = JOB_OF_FLOW[flow.id] ?? (flow.id.startsWith("scrape-etcd-") ? "etcd" : undefined);
    if (!job || flow.protocol !== "prometheus") continue;
    if (job === "app" && model.app.type !== "demo") continue;
    const scheme = job === "app" && model.tls.internal ? "https" : "http";
    const targets = flow.to.hosts.map((name) => ({ instance: name, address: `${privateAddress(hostByName(model, name))}:${flow.port}` }));
    // etcd members of several roles come in one flow per role, and make one job
    const same = jobs.find((j) => j.job === job);
    if (same) {
      same.targets.push(...targets.map((t) => ({ ...t, flow: flow.id })));
      continue;
    }
    jobs.push({ job, flow: flow.id, scheme, path: "/metrics", targets });
  }
  return jobs;
}

/** Renders /etc/prometheus/prometheus.yml for the monitoring host. */
export function renderPrometheus(model: Model): RenderedFile {
  const jobs = scrapeJobs(model);
  const lines = [
    header(model),
    `# Prometheus on ${model.monitoring.host}: scrapes every exporter of the design every ${SCRAPE_INTERVAL_S} s and evaluates`,
    `# the alert rules as often, so an alert can fire a few seconds after its condition appears.`,
    '# Each target\'s `instance` label is its host\'s name, so queries read up{job="node",instance="web-1"}.',
    "",
    "global:",
    `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
    `  scrape_timeout: ${SCRAPE_TIMEOUT_S}s`,
    `  evaluation_interval: ${SCRAPE_INTERVAL_S}s`,
    "  external_labels:",
    `    design: ${q(model.name)}`,
    "",
    "# firing alerts go to Alertmanager on this host",
    "alerting:",
    "  alertmanagers:",
    "    - static_configs:",
    `        - targets: [${q(`127.0.0.1:${PORTS.alertmanager}`)}]`,
    "",
    "rule_files:",
    `  - ${q(MONITORING_FILES.rules)}`,
    "",
    "scrape_configs:",
    ...jobs.flatMap(job),
  ];
  return { path: MONITORING_FILES.prometheus, content: text(lines) };
}

const PURPOSE: Record<ScrapeJob["job"], string> = {
  node: "host metrics from the node exporter on every monitored host (CPU, memory, network, textfiles)",
  haproxy: "HAProxy's built-in exporter on the load balancers (frontends, backends, each server's state)",
  nginx: "the nginx exporter on the web servers (stub_status: connections and requests)",
  mysqld: "the MariaDB exporter on the database hosts (status, replication)",
  app: "the app's own /metrics (prom-client; requests by route and status, database pools)",
  etcd: "etcd's own /metrics on its plain metrics port (members, leader changes, proposals; no keys)",
};

function job(j: ScrapeJob): string[] {
  return [
    `  # ${PURPOSE[j.job]}`,
    `  - job_name: ${q(j.job)}`,
    `    scheme: ${j.scheme}`,
    `    metrics_path: ${q(j.path)}`,
    ...(j.scheme === "https" ? ["    # the app serves HTTPS with a certificate of the lab CA that names the host's addresses", "    tls_config:", `      ca_file: ${q(TLS_FILES.ca)}`] : []),
    "    static_configs:",
    ...j.targets.flatMap((t) => [`      - targets: [${q(t.address)}]`, `        labels: { instance: ${q(t.instance)} }`]),
  ];
}
