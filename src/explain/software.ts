// Names of the programs the model runs, and their ports, in words.
import type { Service, ServiceKind } from "../model/index.js";
import { list, type Facts } from "./facts.js";

const SOFTWARE: Record<ServiceKind, string> = {
  dns: "a DNS server",
  haproxy: "HAProxy",
  keepalived: "keepalived",
  nginx: "nginx",
  app: "the app",
  mariadb: "MariaDB",
  prometheus: "Prometheus",
  alertmanager: "Alertmanager",
  "node-exporter": "the node exporter",
  "nginx-exporter": "the nginx exporter",
  "mysqld-exporter": "the MariaDB (mysqld) exporter",
  "failover-controller": "the failover controller",
  "db-agent": "the database agent",
  "db-proxy": "the database proxy (HAProxy)",
  etcd: "etcd",
};

/** The program behind a service kind: "HAProxy", "the node exporter". */
export function softwareName(kind: ServiceKind): string {
  return SOFTWARE[kind];
}

/** A service's ports in words: "port 80 (http) and port 443 (https)"; "" when it has none. */
export function portsText(service: Pick<Service, "ports">): string {
  const tcp = service.ports.filter((p) => p.protocol === "tcp");
  const udp = service.ports.filter((p) => p.protocol === "udp");
  if (udp.length && udp.every((u) => tcp.some((t) => t.port === u.port)) && udp.length === tcp.length) return `UDP and TCP port ${list(tcp.map((p) => String(p.port)))}`;
  const parts = service.ports.map((p) => `${p.port}${p.protocol === "udp" ? "/udp" : ""} (${p.name})`);
  if (parts.length === 0) return "";
  return `${parts.length === 1 ? "port" : "ports"} ${list(parts)}`;
}

/** Hosts running a kind of service, in model order. */
export function hostsRunning(f: Facts, kind: ServiceKind): string[] {
  return f.model.services.filter((s) => s.kind === kind).map((s) => s.host);
}

/** The TCP ports one kind of service listens on (from its first instance): "port 80", "ports 80 and 443". */
export function portPhrase(f: Facts, kind: ServiceKind, names?: string[]): string {
  const svc = f.model.services.find((s) => s.kind === kind);
  const ports = (svc?.ports ?? []).filter((p) => p.protocol === "tcp" && (!names || names.includes(p.name))).map((p) => String(p.port));
  return `${ports.length === 1 ? "port" : "ports"} ${list(ports)}`;
}
