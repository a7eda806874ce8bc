// The diagram's visual language: colours, fonts and how each kind of flow is drawn and labelled.
import type { Flow, Role } from "../../model/types.js";

export const FONT = "DejaVu Sans";

export const COLORS = {
  encrypted: "#2e7d32",
  plaintext: "#c62828",
  control: "#e65100",
  monitoring: "#90a4ae",
  neutral: "#455a64",
  publicNet: "#e8f1fb",
  publicNetBorder: "#90caf9",
  privateNet: "#f1eef8",
  privateNetBorder: "#b39ddb",
  tierBorder: "#b0bec5",
  hostHeader: "#37474f",
  firewall: "#bf360c",
  firewallBg: "#ffe0d6",
  muted: "#607d8b",
  floating: "#6a1b9a",
} as const;

/** Background tint of a service row, by the role it serves. */
export const ROLE_TINT: Record<Role, string> = {
  user: "#ffffff",
  dns: "#fff8e1",
  lb: "#fff3c4",
  web: "#e3f4e4",
  app: "#e1effb",
  db: "#fde7d4",
  monitor: "#ede7f6",
};

/** How a flow looks: plaintext user data is red, encrypted green, control traffic orange, scrapes grey. */
export type FlowClass = "encrypted" | "plaintext" | "control" | "monitoring";

/** Classifies a flow for drawing. */
export function flowClass(flow: Flow): FlowClass {
  if (flow.protocol === "prometheus") return "monitoring";
  if (flow.encrypted) return "encrypted";
  if (flow.protocol === "dns" || flow.protocol === "vrrp") return "control";
  return "plaintext";
}

const PROTOCOL_NAME: Record<Flow["protocol"], string> = {
  http: "HTTP",
  https: "HTTPS",
  mysql: "MySQL",
  "mysql+tls": "MySQL/TLS",
  dns: "DNS",
  vrrp: "VRRP",
  prometheus: "scrape",
  tcp: "TCP",
  udp: "UDP",
};

/** The short text on a flow's arrow, e.g. `HTTPS :443 · TLS` or `HTTP :80 · plaintext`. */
export function flowLabel(flow: Flow): string {
  const port = flow.port === 0 ? "" : ` :${flow.port}${flow.transport === "udp" ? "/udp" : ""}`;
  const prefix = flow.id === "db-replication" ? "replication · " : flow.id.startsWith("etcd-lease-") ? "primary lease · " : flow.declared ? `${flow.id} · ` : "";
  const base = `${prefix}${PROTOCOL_NAME[flow.protocol]}${port}`;
  switch (flowClass(flow)) {
    case "encrypted":
      return `${base} · TLS`;
    case "plaintext":
      return `${base} · ${flow.declared?.acceptRisk !== undefined ? "accepted risk" : "plaintext"}`;
    default:
      return base;
  }
}

/** DOT edge attributes for a class of flow. */
export function edgeStyle(cls: FlowClass): Record<string, string> {
  switch (cls) {
    case "encrypted":
      return { color: COLORS.encrypted, fontcolor: COLORS.encrypted, penwidth: "1.8", style: "solid" };
    case "plaintext":
      return { color: COLORS.plaintext, fontcolor: COLORS.plaintext, penwidth: "1.8", style: "solid" };
    case "control":
      return { color: COLORS.control, fontcolor: COLORS.control, penwidth: "1.2", style: "dashed" };
    case "monitoring":
      return { color: COLORS.monitoring, fontcolor: COLORS.monitoring, penwidth: "0.8", style: "dashed", arrowsize: "0.6" };
  }
}
