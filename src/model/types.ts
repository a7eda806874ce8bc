// The normalized topology: what every analysis, renderer and the lab runtime read.
import type { Stack } from "../spec/schema.js";

/** What a host does in the design. `user` plays the visitor, `dns` serves the zone. */
export type Role = "user" | "dns" | "lb" | "web" | "app" | "db" | "monitor";

/** A kind of service process that runs on a host. */
export type ServiceKind =
  | "dns"
  | "haproxy"
  | "keepalived"
  | "nginx"
  | "app"
  | "mariadb"
  | "prometheus"
  | "alertmanager"
  | "node-exporter"
  | "nginx-exporter"
  | "mysqld-exporter"
  | "failover-controller"
  | "db-agent"
  | "db-proxy"
  | "etcd";

export type NetworkName = "public" | "private";

export interface Network {
  name: NetworkName;
  /** CIDR, e.g. 198.18.0.0/24. */
  cidr: string;
  /** What lives there, in words. */
  purpose: string;
}

export interface Interface {
  /** Interface name inside the host (eth0, eth1). */
  ifname: string;
  network: NetworkName;
  address: string;
  prefix: number;
}

export interface Host {
  name: string;
  /** `server` hosts are the design's servers (LBs included); `infra` hosts are the lab's own (user, dns, monitoring). */
  kind: "server" | "infra";
  roles: Role[];
  interfaces: Interface[];
  /** A default-deny firewall runs on this host. */
  firewall: boolean;
  /** Monitoring agents (exporters) run on this host. */
  monitored: boolean;
  /** The host's size when the design gives one: CPU in cores, memory in bytes (enforced with cgroups). */
  size?: HostSize;
}

export interface HostSize {
  cpu: number;
  memoryBytes: number;
}

export interface Service {
  host: string;
  kind: ServiceKind;
  /** TCP/UDP ports it listens on. */
  ports: { port: number; protocol: "tcp" | "udp"; name: string }[];
}

/** Where users' traffic enters: a floating IP held by one of several hosts, or a host's own address. */
export interface EntryPoint {
  address: string;
  kind: "floating" | "host";
  /** Hosts that can hold the address; the first holds it at start. */
  holders: string[];
}

export type Protocol = "http" | "https" | "mysql" | "mysql+tls" | "dns" | "vrrp" | "prometheus" | "tcp" | "udp";

/** One kind of traffic the design needs, from a set of hosts to a set of hosts. */
export interface Flow {
  id: string;
  from: { role: Role; hosts: string[] };
  to: { role: Role; hosts: string[] };
  /** Destination port; 0 for protocols without ports (VRRP). */
  port: number;
  transport: "tcp" | "udp" | "vrrp";
  protocol: Protocol;
  encrypted: boolean;
  purpose: string;
  /** Crosses these networks. */
  network: NetworkName;
  /** Set on flows the spec adds in firewall.allow (the others stacklab derives from the tiers). */
  declared?: { index: number; acceptRisk?: string };
}

export interface DatabaseModel {
  primary: string | null;
  replicas: string[];
  replication: "none" | "async" | "semisync";
  failover: "manual" | "automatic";
  /** The controller rebuilds a diverged replica from the primary by itself (spec `database.autoRebuild`). */
  autoRebuild: boolean;
  /** Host running the failover controller when failover is automatic (the first of `controllers`). */
  controller: string | null;
  /** Every host running a failover controller: the etcd member hosts (one leads at a time), else the one `controller`. */
  controllers: string[];
  /** Hosts holding an etcd member, in the spec's order (empty: no etcd, the single controller decides alone). */
  etcd: string[];
  /** The primary's agent holds a lease in etcd and the server is writable only while it does (spec `database.primaryLease`, with etcd only). */
  primaryLease?: true;
}

export interface LoadBalancerModel {
  hosts: string[];
  algorithm: "roundrobin" | "leastconn" | "source";
  ha: "single" | "active-passive" | "active-active";
  healthCheck: { intervalMs: number; fall: number; rise: number };
}

export interface DnsRecordModel {
  /** Fully qualified name, e.g. www.foobar.com. */
  fqdn: string;
  type: "A" | "CNAME";
  /** Addresses for A records, a name for CNAME. */
  values: string[];
  /** What the record points at, in words ("the floating IP of lb-1/lb-2"). */
  pointsTo: string;
}

export interface Model {
  name: string;
  description?: string;
  domain: string;
  /** The /22 block this lab's addresses come from. */
  block: string;
  networks: Network[];
  hosts: Host[];
  services: Service[];
  entryPoints: EntryPoint[];
  flows: Flow[];
  dns: { server: string; address: string; ttl: number; records: DnsRecordModel[] };
  loadBalancer: LoadBalancerModel | null;
  database: DatabaseModel;
  tls: Stack["tls"];
  firewall: Stack["firewall"]["policy"];
  monitoring: Stack["monitoring"] & { host: string | null };
  app: Stack["app"];
  availability: Stack["availability"];
  /** The validated spec the model came from. */
  spec: Stack;
}
