// HTML-like labels for the diagram's boxes: a host with its services, the user, DNS and a floating IP.
import type { EntryPoint, Flow, Host, Model, Role, Service, ServiceKind } from "../../model/types.js";
import { esc } from "./dot-syntax.js";
import { COLORS, ROLE_TINT, edgeStyle, flowClass, flowLabel } from "./style.js";

/** The service that answers for a role; its row carries a DOT port of the same name so arrows can point at it. */
export const ROLE_SERVICE: Record<Role, ServiceKind | null> = {
  user: null,
  dns: "dns",
  lb: "haproxy",
  web: "nginx",
  app: "app",
  db: "mariadb",
  monitor: "prometheus",
};

const EXPORTERS: ServiceKind[] = ["node-exporter", "nginx-exporter", "mysqld-exporter"];

const TABLE = `<table border="1" cellborder="0" cellspacing="0" cellpadding="4" color="${COLORS.neutral}" bgcolor="white" style="rounded">`;

function row(content: string, opts: { port?: string; bg?: string } = {}): string {
  const port = opts.port ? ` port="${opts.port}"` : "";
  const bg = opts.bg ? ` bgcolor="${opts.bg}"` : "";
  return `<tr><td align="left" balign="left"${port}${bg}>${content}</td></tr>`;
}

function small(text: string, color: string = COLORS.muted): string {
  return `<font point-size="8" color="${color}">${esc(text)}</font>`;
}

function header(title: string, bg: string, extra = ""): string {
  return `<tr><td align="left" bgcolor="${bg}"><font color="white"><b>${esc(title)}</b></font>${extra}</td></tr>`;
}

function interfaceRows(host: Host): string {
  return host.interfaces.map((i) => row(small(`${i.ifname} ${i.address} · ${i.network}`))).join("");
}

function ports(service: Service): string {
  return service.ports
    .filter((p) => p.name !== "stats" && p.name !== "metrics")
    .map((p) => ` :${p.port}${p.protocol === "udp" ? "/udp" : ""}`)
    .join("");
}

function serviceText(model: Model, service: Service): string {
  const db = model.database;
  switch (service.kind) {
    case "haproxy":
      return `<b>HAProxy</b>${ports(service)}  ${small([model.loadBalancer?.algorithm, TLS_AT_LB[model.tls.mode]].filter(Boolean).join(" · "))}`;
    case "keepalived":
      return `keepalived  ${small("VRRP")}`;
    case "nginx":
      return `<b>nginx</b>${ports(service)}`;
    case "app":
      return `<b>app</b>${ports(service)}`;
    case "mariadb": {
      const role = service.host === db.primary ? (db.replicas.length ? "primary" : "") : `replica · ${db.replication}`;
      return `<b>MariaDB</b>${ports(service)}${role ? `  ${small(role, "#8d4004")}` : ""}`;
    }
    case "prometheus":
      return `<b>Prometheus</b>${ports(service)}`;
    case "alertmanager":
      return `Alertmanager${ports(service)}`;
    case "failover-controller":
      return `failover controller${ports(service)}`;
    case "etcd":
      return `<b>etcd</b>${ports(service)}  ${small("leader lease", "#8d4004")}`;
    case "dns":
      return `<b>DNS server</b>${ports(service)}`;
    default:
      return esc(service.kind);
  }
}

/** What the load balancer does with TLS, in a few words. */
const TLS_AT_LB: Record<Model["tls"]["mode"], string> = {
  none: "",
  terminate: "TLS ends here",
  reencrypt: "re-encrypts TLS",
  passthrough: "passes TLS through",
};

const KIND_ROLE: Partial<Record<ServiceKind, Role>> = {
  dns: "dns",
  haproxy: "lb",
  keepalived: "lb",
  nginx: "web",
  app: "app",
  mariadb: "db",
  prometheus: "monitor",
  alertmanager: "monitor",
  "failover-controller": "db",
  etcd: "db",
};

function metricsRow(services: Service[]): string {
  const parts: string[] = [];
  for (const s of services) {
    if (EXPORTERS.includes(s.kind)) parts.push(`${s.kind.replace(/-exporter$/, "")} :${s.ports[0]?.port ?? ""}`);
    const metrics = s.kind === "haproxy" ? s.ports.find((p) => p.name === "metrics") : undefined;
    if (metrics) parts.push(`haproxy :${metrics.port}`);
  }
  return parts.length ? row(small(`exporters: ${parts.join(" · ")}`)) : "";
}

// A flow that stays inside one host (nginx to the app on the same server) is an arrow row in its box.
function connectorRow(flow: Flow): string {
  const color = edgeStyle(flowClass(flow)).color ?? COLORS.neutral;
  return row(`<font point-size="8" color="${color}">  ↓ ${esc(flowLabel(flow))}</font>`);
}

/** The box of a host: its name (and firewall), addresses, services top to bottom with in-host flows between them, and its exporters. */
export function hostLabel(model: Model, host: Host, local: Flow[], entry: EntryPoint | undefined): string {
  const services = model.services.filter((s) => s.host === host.name);
  const firewall = host.firewall ? `  <font color="#ffab91">▦</font><font point-size="8" color="white"> firewall</font>` : "";
  const rows: string[] = [header(host.name, host.firewall ? COLORS.firewall : COLORS.hostHeader, firewall), interfaceRows(host)];
  if (entry) rows.push(row(small(`◆ entry point: users reach ${entry.address}`, "#4a148c")));
  for (const service of services) {
    if (EXPORTERS.includes(service.kind)) continue;
    const role = KIND_ROLE[service.kind];
    const isMain = role !== undefined && ROLE_SERVICE[role] === service.kind;
    rows.push(row(serviceText(model, service), { ...(isMain ? { port: service.kind } : {}), bg: role ? ROLE_TINT[role] : "white" }));
    if (isMain) for (const flow of local.filter((f) => f.from.role === role)) rows.push(connectorRow(flow));
  }
  rows.push(metricsRow(services));
  return `${TABLE}${rows.join("")}</table>`;
}

/** The visitor's box. */
export function userLabel(host: Host): string {
  return `${TABLE}${header("user (browser)", "#1565c0")}${interfaceRows(host)}</table>`;
}

/** The DNS server's box, with the zone's records. */
export function dnsLabel(model: Model, host: Host): string {
  const records = model.dns.records.map((r) => row(`<font point-size="9">${esc(`${r.fqdn} ${r.type} ${r.values.join(", ")}`)}</font>`));
  const svc = model.services.filter((s) => s.host === host.name).map((s) => row(serviceText(model, s), { port: "dns", bg: ROLE_TINT.dns }));
  return `${TABLE}${header(host.name, COLORS.hostHeader)}${interfaceRows(host)}${svc.join("")}${records.join("")}</table>`;
}

/** A floating IP: its address and which host holds it, which takes over. */
export function floatingLabel(entry: EntryPoint, ha: string): string {
  const [holder, ...backups] = entry.holders;
  return (
    `<table border="1" cellborder="0" cellspacing="0" cellpadding="4" color="${COLORS.floating}" bgcolor="#f3e5f5" style="rounded,dashed">` +
    header("floating IP", COLORS.floating) +
    row(`<b>${esc(entry.address)}</b>`) +
    row(small(`keepalived · ${ha}`, "#4a148c")) +
    row(small(`held by ${holder ?? "?"}${backups.length ? `; ${backups.join(", ")} takes over` : ""}`, "#4a148c")) +
    `</table>`
  );
}
