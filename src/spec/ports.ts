// Well-known ports of the lab's services, in one place.

export const PORTS = {
  http: 80,
  https: 443,
  dns: 53,
  /** The app server's port on app hosts (plain HTTP or HTTPS with internal TLS). */
  app: 8000,
  mysql: 3306,
  haproxyStats: 8404,
  haproxyMetrics: 8405,
  nginxStatus: 8080,
  prometheus: 9090,
  alertmanager: 9093,
  nodeExporter: 9100,
  mysqldExporter: 9104,
  nginxExporter: 9113,
  /** The failover controller's HTTP API (loopback of its host only: the CLI reaches it from inside). */
  controller: 9300,
  /** Database agents: the line-based check the app hosts' database proxies ask ("write" / "replica"). */
  dbAgentCheck: 9301,
  /** Database agents: the HTTP(S) API the failover controller observes and commands them through. */
  dbAgentApi: 9302,
  /** The database proxy on each app host (loopback only): writes go to the current primary... */
  dbProxyWrite: 3307,
  /** ...and reads to a healthy replica, else the primary. */
  dbProxyRead: 3308,
  /** etcd members: the client API (TLS when the lab has a CA) the failover controllers and agents use... */
  etcdClient: 2379,
  /** ...the peer port members replicate the Raft log over... */
  etcdPeer: 2380,
  /** ...and plain-HTTP /metrics and /health for Prometheus (no keys or values there). */
  etcdMetrics: 2381,
} as const;
