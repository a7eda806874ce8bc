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
  controller: 9300,
} as const;
