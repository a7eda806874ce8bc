// The configuration files of the database agents and the failover controller: pure functions of the model.
import { readFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { PORTS, type Host, type Model } from "../../model/index.js";
import { header, hostByName, hostsWithRole, privateAddress } from "./common.js";
import { APP_DB, TLS_FILES } from "./paths.js";
import { semisyncTimeoutMs } from "./mariadb.js";
import type { RenderedFile, Secrets } from "./types.js";
import { etcdMembers, etcdTls } from "./etcd.js";

/** The key of a design's primary lease in etcd: its value is the database host that may be writable (src/failover/lease.ts). */
export function primaryLeaseKey(namespace: string): string {
  return `/stacklab/${namespace}/failover/primary-lease`;
}

/** Secrets derived from the lab's root secret (the failover agents' database password, their API token); placeholders stay placeholders. */
export function derivedSecrets(secrets: Secrets): { agent: string; token: string; clone: string } {
  if (secrets.mysqlRoot.startsWith("<secret:")) return { agent: "<secret:db-agent>", token: "<secret:failover-token>", clone: "<secret:db-clone>" };
  const derive = (what: string) => createHmac("sha256", secrets.mysqlRoot).update(`stacklab ${what}`).digest("base64url").slice(0, 32);
  return { agent: derive("db-agent"), token: derive("failover-api"), clone: derive("db-clone") };
}

/** Where each piece lives inside the hosts. */
export const FAILOVER_PATHS = {
  agentConfig: "/etc/stacklab/db-agent.json",
  controllerConfig: "/etc/stacklab/failover-controller.json",
  /**
   * The agent's API on a unix socket: the CLI reaches it through the host's tree, without the network. Each
   * socket sits in a folder only its service's user (and root) may enter: the socket trusts whoever connects.
   */
  agentRunDir: "/run/stacklab/db-agent",
  agentSocket: "/run/stacklab/db-agent/api.sock",
  /** The id of the primary lease the agent holds: a restarted agent renews it instead of fencing a writable server. */
  agentLeaseFile: "/run/stacklab/db-agent/lease",
  controllerRunDir: "/run/stacklab/failover-controller",
  controllerSocket: "/run/stacklab/failover-controller/api.sock",
  /** Kept with the data: survives restarts of the host, disappears with its data. */
  agentState: "/var/lib/mysql/stacklab-agent.json",
  controllerState: "/run/stacklab/failover-controller/state.json",
  /** Present while this host's controller leads (holds the etcd leader key): where `stacklab db` finds the leader. */
  controllerLeading: "/run/stacklab/failover-controller/leading",
  /** The host key, copied for the controller's user at each start: its client certificate towards etcd. */
  controllerEtcdKey: "/run/stacklab/failover-controller/etcd.key",
  /**
   * Transactions only this server held, saved by its agent before a rebuild replaced its data (one file each,
   * and index.jsonl): outside MariaDB's data folder, in a folder each host has its own copy of (runtime/host.ts,
   * BIND_DIRS), kept as long as the host's tree.
   */
  divergedDir: "/var/log/stacklab-diverged",
  /** Picked up by the node exporter's textfile collector on the controller's host. */
  metrics: "/var/lib/prometheus/node-exporter/stacklab_failover.prom",
} as const;

/** The MariaDB account of the agents (local socket only). */
export const AGENT_DB_USER = "stacklab_agent";
/** The account an agent reads the primary's data with to rebuild its own server (from database hosts only, over TLS when internal TLS is on). */
export const CLONE_DB_USER = "stacklab_clone";

export interface TlsPaths {
  ca: string;
  cert: string;
  key: string;
}

/** What a database host's agent needs to know. */
export interface AgentConfig {
  host: string;
  /** The design's first primary: the agent makes it writable once, at its very first start. */
  bootstrapPrimary: boolean;
  socket: string;
  account: { user: string; password: string };
  replication: { user: string; password: string };
  /** Reads the primary's data (SELECT on the app's schema, a consistent position) to rebuild this server when it diverged. */
  clone: { user: string; password: string };
  /** Where the transactions only this server held are saved before a rebuild. */
  divergedDir: string;
  /** TLS towards other MariaDB servers and for the API; null without internal TLS. */
  tls: TlsPaths | null;
  checkPort: number;
  apiPort: number;
  apiAddress: string;
  apiSocket: string;
  token: string;
  /** Database users whose connections are cut when the server is fenced. */
  appUsers: string[];
  /**
   * Cut them in a planned switchover too. Not for the demo app, which retires its connections itself when a
   * write is refused as read-only (a cut would race with a write); a custom app may not, so its are cut.
   */
  cutOnSwitchover: boolean;
  /** App hosts' addresses (their database proxies ask the checks), by address. */
  proxies: Record<string, string>;
  /** Database hosts by name: their private addresses. */
  dbHosts: Record<string, string>;
  /** A controller exists: the primary fences itself when it may have been replaced behind its back. */
  selfFence: boolean;
  stateFile: string;
  semisyncTimeoutMs: number;
  /**
   * The primary lease (spec `database.primaryLease`): where the agent reaches etcd, the key it holds while its
   * server is writable, and the file keeping its lease id across its own restarts. Absent: no lease.
   */
  lease?: { urls: string[]; tls: TlsPaths | null; key: string; leaseFile: string };
}

/** What the failover controller needs to know. */
export interface ControllerConfig {
  host: string;
  /** The primary the design starts with. */
  primary: string;
  dbHosts: { name: string; address: string }[];
  replication: Model["database"]["replication"];
  apiPort: number;
  apiSocket: string;
  agentApiPort: number;
  /** CA that signed the agents' certificates; null when the agents speak plain HTTP. */
  ca: string | null;
  token: string;
  /** App hosts whose database proxies must follow the primary, by address. */
  proxies: Record<string, string>;
  stateFile: string;
  /** Prometheus textfile to write, when the host is monitored. */
  metricsFile: string | null;
  semisyncTimeoutMs: number;
  /** A replica found diverged is rebuilt from the primary at once (false: the divergence is only recorded, for a person to inspect). */
  autoRebuild: boolean;
  /** The etcd cluster the controllers elect their leader through; null when the design has one controller, which always leads. */
  etcd: { urls: string[]; tls: { ca: string; cert: string; key: string } | null; namespace: string } | null;
  /** The primary lease's key (spec `database.primaryLease`): the leader revokes a lost primary's lease before promoting. Absent: no lease. */
  primaryLeaseKey?: string;
}

/** Secrets of the failover machinery, derived from the lab's root secret (placeholders stay placeholders). */
export function failoverSecrets(secrets: Secrets): { agent: string; token: string; clone: string } {
  return derivedSecrets(secrets);
}

/** True when the design runs database agents (it has replicas). */
export function hasDbAgents(model: Model): boolean {
  return model.services.some((s) => s.kind === "db-agent");
}

function proxies(model: Model): Record<string, string> {
  return Object.fromEntries(model.services.filter((s) => s.kind === "db-proxy").map((s) => [privateAddress(hostByName(model, s.host)), s.host]));
}

function dbHostAddresses(model: Model): Record<string, string> {
  return Object.fromEntries(hostsWithRole(model, "db").map((h) => [h.name, privateAddress(h)]));
}

/** The agent's config for a database host. */
export function agentConfig(model: Model, host: Host, secrets: Secrets): AgentConfig {
  const derived = failoverSecrets(secrets);
  return {
    host: host.name,
    bootstrapPrimary: model.database.primary === host.name,
    socket: "/run/mysqld/mysqld.sock",
    account: { user: AGENT_DB_USER, password: derived.agent },
    replication: { user: "repl", password: secrets.replication },
    clone: { user: CLONE_DB_USER, password: derived.clone },
    divergedDir: FAILOVER_PATHS.divergedDir,
    tls: model.tls.internal ? { ca: TLS_FILES.ca, cert: TLS_FILES.hostCert, key: TLS_FILES.hostKey } : null,
    checkPort: PORTS.dbAgentCheck,
    apiPort: PORTS.dbAgentApi,
    apiAddress: privateAddress(host),
    apiSocket: FAILOVER_PATHS.agentSocket,
    token: derived.token,
    appUsers: [APP_DB.user],
    cutOnSwitchover: model.app.type !== "demo",
    proxies: proxies(model),
    dbHosts: dbHostAddresses(model),
    selfFence: model.database.controller !== null,
    stateFile: FAILOVER_PATHS.agentState,
    semisyncTimeoutMs: semisyncTimeoutMs(model),
    ...(model.database.primaryLease
      ? {
          lease: {
            urls: etcdMembers(model).map((m) => m.clientUrl),
            // the agent runs as mysql, which reads the host key MariaDB reads: its client certificate towards etcd
            tls: etcdTls(model) ? { ca: TLS_FILES.ca, cert: TLS_FILES.hostCert, key: TLS_FILES.hostKey } : null,
            key: primaryLeaseKey(model.name),
            leaseFile: FAILOVER_PATHS.agentLeaseFile,
          },
        }
      : {}),
  };
}

/** The controller's config. */
export function controllerConfig(model: Model, host: Host, secrets: Secrets): ControllerConfig {
  return {
    host: host.name,
    primary: model.database.primary!,
    dbHosts: hostsWithRole(model, "db").map((h) => ({ name: h.name, address: privateAddress(h) })),
    replication: model.database.replication,
    apiPort: PORTS.controller,
    apiSocket: FAILOVER_PATHS.controllerSocket,
    agentApiPort: PORTS.dbAgentApi,
    ca: model.tls.internal ? TLS_FILES.ca : null,
    token: failoverSecrets(secrets).token,
    proxies: proxies(model),
    stateFile: FAILOVER_PATHS.controllerState,
    metricsFile: host.monitored ? FAILOVER_PATHS.metrics : null,
    semisyncTimeoutMs: semisyncTimeoutMs(model),
    autoRebuild: model.database.autoRebuild,
    etcd: model.database.etcd.length
      ? {
          urls: etcdMembers(model).map((m) => m.clientUrl),
          tls: etcdTls(model) ? { ca: TLS_FILES.ca, cert: TLS_FILES.hostCert, key: FAILOVER_PATHS.controllerEtcdKey } : null,
          namespace: model.name,
        }
      : null,
    ...(model.database.primaryLease ? { primaryLeaseKey: primaryLeaseKey(model.name) } : {}),
  };
}

/** Reads a config file: JSON after comment lines starting with '#'. */
export function readConfigFile<T>(path: string): T {
  return JSON.parse(
    readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n"),
  ) as T;
}

/** The failover machinery's config files for a host (mode 0600: they hold passwords); JSON under a comment header. */
export function renderFailoverConfigs(model: Model, host: Host, secrets: Secrets): RenderedFile[] {
  const files: RenderedFile[] = [];
  const json = (v: unknown) => `${header(model)}\n# read by stacklab's failover machinery: JSON after these comment lines\n${JSON.stringify(v, null, 2)}\n`;
  if (model.services.some((s) => s.host === host.name && s.kind === "db-agent")) files.push({ path: FAILOVER_PATHS.agentConfig, content: json(agentConfig(model, host, secrets)), mode: 0o600 });
  if (model.database.controllers.includes(host.name)) files.push({ path: FAILOVER_PATHS.controllerConfig, content: json(controllerConfig(model, host, secrets)), mode: 0o600 });
  return files;
}
