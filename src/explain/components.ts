// Section "What each component does here": one bullet per kind of component the design contains.
import { addressOf, count, list, names, type Facts } from "./facts.js";
import { certificateUses } from "./certificates.js";
import { hostsRunning, portPhrase } from "./software.js";
import type { Section } from "./types.js";

/** Describes each component present in the design: what it is and what it does here. */
export function componentsSection(f: Facts): Section {
  const { model } = f;
  const items: string[] = [];
  const dnsHost = f.host(model.dns.server);
  items.push(
    `DNS server (${dnsHost.name}, ${model.dns.address}): holds the zone ${model.domain} and answers lookups on ${portPhrase(f, "dns")}. ` +
      `It stands in for the name servers that a domain registrar or DNS provider would run.`,
  );
  const lb = model.loadBalancer;
  if (lb) {
    const webs = f.withRole("web");
    items.push(
      `Load balancer, HAProxy on ${names(lb.hosts)}: receives every visitor's connection on ${portPhrase(f, "haproxy", ["http", "https"])} and hands each request to one of ${names(webs)} (${lb.algorithm}), ` +
        `leaving out any that fails its health checks. Its statistics page listens on ${portPhrase(f, "haproxy", ["stats"])}.`,
    );
    if (lb.ha !== "single")
      items.push(
        `keepalived on ${names(lb.hosts)}: decides which load balancer holds the floating IP${model.entryPoints.length > 1 ? "s" : ""} ${list(model.entryPoints.map((e) => e.address))}, ` +
          `using VRRP messages between them, and moves ${model.entryPoints.length > 1 ? "an address" : "it"} to a healthy load balancer when its holder fails.`,
      );
  }
  const webs = f.withRole("web");
  const appPort = f.flow("web-app")?.port ?? 8000;
  items.push(
    `Web server, nginx on ${names(webs)}: listens on ${portPhrase(f, "nginx")}, serves static files itself and passes dynamic requests to the application server on port ${appPort}` +
      `${model.tls.internal ? " over HTTPS" : ""}.`,
  );
  const app = model.app;
  items.push(
    `Application server, ${f.appName} (${app.type === "demo" ? `version ${app.version}` : `started with \`${app.command}\``}) on ${names(f.withRole("app"))}, ` +
      `port ${appPort}, with ${count(app.workers, "worker process", "worker processes")}${f.withRole("app").length > 1 ? " each" : ""}: ` +
      `runs the site's code and builds each page${f.usesDatabase ? ", reading and writing data in the database" : ""}.`,
  );
  const db = model.database;
  if (db.primary && f.usesDatabase) {
    const roles = db.replicas.length
      ? `${db.primary} holds the primary (it takes the writes); ${names(db.replicas)} ${db.replicas.length === 1 ? "holds a replica, a read-only copy" : "hold replicas, read-only copies"} kept up to date by replication.`
      : `${db.primary} holds the only copy of the data.`;
    items.push(`Database, MariaDB on ${names(f.withRole("db"))}, ${portPhrase(f, "mariadb")}: stores the site's data on disk. ${roles}`);
  }
  const controller = hostsRunning(f, "failover-controller");
  if (controller.length) items.push(`Failover controller on ${names(controller)} (${portPhrase(f, "failover-controller")}): watches the database primary and promotes a replica if it fails.`);
  const guarded = model.hosts.filter((h) => h.firewall);
  if (guarded.length) items.push(`Firewall, nftables on ${names(guarded)}: drops every incoming packet that is not part of one of the design's flows.`);
  for (const use of certificateUses(f))
    items.push(
      `TLS certificate on ${names(use.hosts)}: ${use.public ? `proves to browsers that they reach the real ${f.site}` : "proves each server's identity to its neighbour"} and sets up the encryption for ${use.purpose}.`,
    );
  const mon = model.monitoring.host;
  if (mon) {
    const monHost = f.host(mon);
    items.push(
      `Monitoring, Prometheus on ${mon} (${addressOf(monHost)}, ${portPhrase(f, "prometheus")}): collects figures from every server, keeps them as time series and checks alert rules; ` +
        `Alertmanager (${portPhrase(f, "alertmanager")}) sends the alerts.`,
    );
    items.push(
      `Monitoring agents: the node exporter (${portPhrase(f, "node-exporter")}) on ${monitoredHosts(hostsRunning(f, "node-exporter"))} publishes each host's CPU, memory, disk and network figures` +
        (hostsRunning(f, "nginx-exporter").length ? `; the nginx exporter (${portPhrase(f, "nginx-exporter")}) publishes nginx's request counts` : "") +
        (hostsRunning(f, "mysqld-exporter").length ? `; the MariaDB exporter (${portPhrase(f, "mysqld-exporter")}) publishes query and replication figures` : "") +
        (lb ? `; HAProxy and the app publish their own figures` : `; the app publishes its own figures`) +
        `.`,
    );
  }
  return { id: "components", title: "What each component does here", blocks: [{ kind: "bullets", items }] };
}

function monitoredHosts(hosts: string[]): string {
  return hosts.length > 5 ? `all ${hosts.length} monitored hosts` : names(hosts);
}
