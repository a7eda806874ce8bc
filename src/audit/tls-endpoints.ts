// Every TLS endpoint of the design, from the model's encrypted flows: who connects, where, and which name the certificate must carry.
import type { Flow, Model, Role } from "../model/types.js";
import { PORTS } from "../spec/ports.js";
import { appPort } from "../render/config/common.js";
import { APP_TLS_NAME, webCertificate } from "../render/config/index.js";
import { flowDestinations } from "../render/config/nftables.js";

/** The software that answers TLS at an endpoint; only HAProxy's and nginx's suites are set by stacklab's configs. */
export type TlsServer = "haproxy" | "nginx" | "app" | "mariadb" | "other";

export interface TlsEndpoint {
  flow: string;
  /** The host the probes run from: one the design lets through. */
  from: string;
  host: string;
  address: string;
  port: number;
  /** The name (or, for `ip`, the address) the certificate must be valid for. */
  name: string;
  nameKind: "dns" | "ip";
  /** MariaDB upgrades its own protocol to TLS. */
  starttls?: "mysql";
  /** The server asks for a client certificate from the lab CA (etcd's peer and client ports): the probe shows its host's. */
  clientCert?: boolean;
  server: TlsServer;
}

const SERVER_OF: Partial<Record<Role, TlsServer>> = { lb: "haproxy", web: "nginx", app: "app", db: "mariadb" };

function endpointsOfFlow(model: Model, flow: Flow): TlsEndpoint[] {
  const from = flow.from.role === "user" ? "user" : flow.from.hosts[0];
  // Other services on the same hosts (agents, exporters) have their own ports and their own TLS settings.
  // (etcd members on load balancers have their own ports: only the web ports there are HAProxy's or nginx's)
  const usual =
    (flow.to.role === "db" && flow.port === PORTS.mysql) ||
    (flow.to.role === "app" && flow.port === appPort(model)) ||
    (["lb", "web"].includes(flow.to.role) && (flow.port === PORTS.http || flow.port === PORTS.https));
  const server: TlsServer | undefined = usual ? SERVER_OF[flow.to.role] : "other";
  if (!from || !server) return [];
  const site = `www.${model.domain}`;
  // In passthrough the visitors' TLS is nginx's, whatever HAProxy forwards it through.
  const answeredBy: TlsServer = flow.from.role === "user" && model.tls.mode === "passthrough" ? "nginx" : server;
  return flow.to.hosts.flatMap((host) =>
    flowDestinations(model, flow, host).map((address): TlsEndpoint => {
      const mutual = flow.port === PORTS.etcdPeer || flow.port === PORTS.etcdClient;
      const base = { flow: flow.id, from, host, address, port: flow.port, server: answeredBy, ...(mutual ? { clientCert: true } : {}) };
      if (flow.protocol === "mysql+tls") return { ...base, name: address, nameKind: "ip", starttls: "mysql" };
      if (flow.from.role === "user") return { ...base, name: site, nameKind: "dns" };
      if (flow.to.role === "web") return { ...base, name: webCertificate(model) === "site" ? site : host, nameKind: "dns" };
      if (flow.to.role === "app" && server === "app") return { ...base, name: APP_TLS_NAME, nameKind: "dns" };
      return { ...base, name: host, nameKind: "dns" };
    }),
  );
}

/** The TLS endpoints of a design, one per address and port (a floating IP is probed once). */
export function tlsEndpoints(model: Model): TlsEndpoint[] {
  const seen = new Set<string>();
  return model.flows
    .filter((f) => f.encrypted && f.transport === "tcp" && (f.protocol === "https" || f.protocol === "mysql+tls"))
    .flatMap((f) => endpointsOfFlow(model, f))
    .filter((e) => {
      const key = `${e.address}:${e.port}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
