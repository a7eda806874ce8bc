// /etc/nftables.conf for a host with a firewall: default deny both ways, then one rule per flow of the model.
import type { Flow, Host, Model } from "../../model/index.js";
import { header, hostByName, text } from "./common.js";
import type { RenderedFile } from "./types.js";

/** The one table stacklab's firewall lives in (fault injection keeps to its own table, stacklab_fault). */
export const FIREWALL_TABLE = "stacklab";
/** Where the host's init loads the ruleset from at boot. */
export const NFTABLES_PATH = "/etc/nftables.conf";
/** Pings a host answers per second; more are dropped like any undeclared traffic. */
export const PING_RATE = 20;

/** One accept rule of a host's firewall, as data: what the audit compares the running lab with. */
export interface FirewallRule {
  /** in: a connection to this host; out: a connection this host opens. */
  direction: "in" | "out";
  flow: string;
  purpose: string;
  transport: Flow["transport"];
  port: number;
  /** The other end's addresses (source of an incoming rule, destination of an outgoing one); "any" for visitors. */
  peers: string[] | "any";
  /** This host's addresses the rule accepts on (incoming rules only; empty for outgoing ones). */
  local: string[];
}

function addressesOn(host: Host, network: Flow["network"]): string[] {
  const on = host.interfaces.filter((i) => i.network === network).map((i) => i.address);
  return on.length ? on : host.interfaces.map((i) => i.address);
}

/** Visitors come from the Internet: a flow from the user role accepts any source. */
function fromAnywhere(flow: Flow): boolean {
  return flow.from.role === "user";
}

/**
 * The addresses of `hostName` a flow arrives at: for visitors' flows to an entry host, the entry
 * addresses it may hold (floating IPs included) and not its own; otherwise its addresses on the flow's network.
 */
export function flowDestinations(model: Model, flow: Flow, hostName: string): string[] {
  if (fromAnywhere(flow)) {
    const entries = model.entryPoints.filter((e) => e.holders.includes(hostName)).map((e) => e.address);
    if (entries.length) return entries;
  }
  return addressesOn(hostByName(model, hostName), flow.network);
}

/** The addresses a flow leaves from, other than `except`'s; "any" for flows from visitors. */
export function flowSources(model: Model, flow: Flow, except?: string): string[] | "any" {
  if (fromAnywhere(flow)) return "any";
  return flow.from.hosts.filter((h) => h !== except).flatMap((h) => addressesOn(hostByName(model, h), flow.network));
}

/** The accept rules of a host's firewall, in flow order: incoming rules first, then outgoing ones. */
export function firewallRules(model: Model, host: Host): FirewallRule[] {
  const incoming: FirewallRule[] = [];
  const outgoing: FirewallRule[] = [];
  for (const flow of model.flows) {
    const base = { flow: flow.id, purpose: flow.purpose, transport: flow.transport, port: flow.port };
    if (flow.to.hosts.includes(host.name)) {
      const peers = flowSources(model, flow, host.name);
      // Traffic between a host's own services goes over loopback, which is always accepted.
      if (peers === "any" || peers.length) incoming.push({ ...base, direction: "in", peers, local: flowDestinations(model, flow, host.name) });
    }
    if (flow.from.hosts.includes(host.name)) {
      const peers = flow.to.hosts.filter((h) => h !== host.name).flatMap((h) => flowDestinations(model, flow, h));
      if (peers.length) outgoing.push({ ...base, direction: "out", peers: [...new Set(peers)], local: [] });
    }
  }
  return [...incoming, ...outgoing];
}

function set(addresses: string[]): string {
  return addresses.length === 1 ? addresses[0]! : `{ ${addresses.join(", ")} }`;
}

function ruleLine(rule: FirewallRule): string {
  const match: string[] = [];
  if (rule.direction === "in") {
    if (rule.peers !== "any") match.push(`ip saddr ${set(rule.peers)}`);
    if (rule.transport !== "vrrp") match.push(`ip daddr ${set(rule.local)}`);
  } else if (rule.peers !== "any") match.push(`ip daddr ${set(rule.peers)}`);
  match.push(rule.transport === "vrrp" ? "ip protocol vrrp" : `${rule.transport} dport ${rule.port}`);
  return `${match.join(" ")} accept comment "flow ${rule.flow}"`;
}

function ruleLines(model: Model, host: Host, rule: FirewallRule): string[] {
  const flow = model.flows.find((f) => f.id === rule.flow)!;
  const others = (hosts: string[]) => hosts.filter((h) => h !== host.name).join(", ");
  const who = rule.direction === "in" ? `from ${rule.peers === "any" ? "anywhere" : others(flow.from.hosts)}` : `to ${others(flow.to.hosts)}`;
  return [`# ${rule.flow}: ${rule.purpose} (${who})`, ruleLine(rule)];
}

function chain(name: string, hook: string, body: string[]): string[] {
  return [`chain ${name} {`, `    type filter hook ${hook} priority filter; policy drop;`, ...body.map((l) => (l === "" ? "" : `    ${l}`)), "}"];
}

/** Renders /etc/nftables.conf for a host whose model says it runs a firewall. */
export function renderNftables(model: Model, host: Host): RenderedFile {
  const rules = firewallRules(model, host);
  const incoming = rules.filter((r) => r.direction === "in");
  const outgoing = rules.filter((r) => r.direction === "out");
  const input = chain("input", "input", [
    'iif "lo" accept comment "loopback: the host\'s own services"',
    'ct state established,related accept comment "replies, and ICMP errors about allowed connections"',
    'ct state invalid drop comment "packets that belong to no connection"',
    `icmp type echo-request limit rate ${PING_RATE}/second accept comment "ping, for diagnostics"`,
    ...incoming.flatMap((r) => ["", ...ruleLines(model, host, r)]),
    "",
    'counter comment "default deny: every other incoming packet is dropped"',
  ]);
  const output = chain("output", "output", [
    'oif "lo" accept comment "loopback: the host\'s own services"',
    'ct state established,related accept comment "replies to allowed incoming connections"',
    'icmp type echo-request accept comment "ping, for diagnostics"',
    ...outgoing.flatMap((r) => ["", ...ruleLines(model, host, r)]),
    "",
    'counter comment "default deny: connections no flow declares are refused"',
  ]);
  const forward = chain("forward", "forward", ['counter comment "a server routes nothing"']);
  const lines = [
    header(model),
    `# Firewall of ${host.name} (${host.roles.join(", ")}): default deny in both directions; each accept rule`,
    "# serves one flow of the design (stacklab explain lists them) and names it in its comment.",
    `# Only the table inet ${FIREWALL_TABLE} is replaced, so other tables (fault injection) stay as they are.`,
    "# The host's init loads it at boot with `nft -f`, before any service starts.",
    "",
    `table inet ${FIREWALL_TABLE}`,
    `delete table inet ${FIREWALL_TABLE}`,
    "",
    `table inet ${FIREWALL_TABLE} {`,
    ...[...input, "", ...output, "", ...forward].map((l) => (l === "" ? "" : `    ${l}`)),
    "}",
  ];
  return { path: NFTABLES_PATH, content: text(lines) };
}
