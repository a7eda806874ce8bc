// Section "Firewalls": what a firewall is for, and what this design's firewalls let in, derived from the flows.
import { list, names, type Facts } from "./facts.js";
import type { Section } from "./types.js";

export interface InboundRule {
  /** "TCP 80 and 443", "VRRP". */
  what: string;
  /** "anyone" or host names. */
  from: string;
}

/** What a host must accept, derived from the flows that end at it (traffic from itself excluded). */
export function inboundRules(f: Facts, host: string): InboundRule[] {
  // First the sources of each transport and port, then the ports that share the same sources.
  const sourcesByPort = new Map<string, { transport: string; port: number; sources: Set<string> }>();
  for (const flow of f.model.flows) {
    if (!flow.to.hosts.includes(host)) continue;
    const sources = flow.from.role === "user" ? ["anyone"] : flow.from.hosts.filter((h) => h !== host);
    if (sources.length === 0) continue;
    const transport = flow.transport.toUpperCase();
    const key = `${transport}/${flow.port}`;
    const entry = sourcesByPort.get(key) ?? { transport, port: flow.port, sources: new Set<string>() };
    for (const s of sources) entry.sources.add(s);
    sourcesByPort.set(key, entry);
  }
  const byFrom = new Map<string, { transport: string; ports: number[] }[]>();
  for (const { transport, port, sources } of sourcesByPort.values()) {
    const from = sources.has("anyone") ? "anyone" : names([...sources]);
    const entries = byFrom.get(from) ?? [];
    const same = entries.find((e) => e.transport === transport);
    if (same) same.ports.push(port);
    else entries.push({ transport, ports: [port] });
    byFrom.set(from, entries);
  }
  return [...byFrom.entries()].map(([from, entries]) => ({
    what: list(entries.map((e) => (e.transport === "VRRP" ? "VRRP" : `${e.transport} ${list(e.ports.sort((a, b) => a - b).map(String))}`))),
    from,
  }));
}

/** The rules of one host in a sentence: "TCP 3306 from app-1 and app-2; TCP 9100 from mon-1". */
export function rulesText(f: Facts, host: string): string {
  const rules = inboundRules(f, host);
  return rules.length ? rules.map((r) => `${r.what} from ${r.from}`).join("; ") : "no connections from other hosts (it only opens connections itself)";
}

/** Explains what firewalls are for and what this design's firewalls do (or what is open without them). */
export function firewallSection(f: Facts): Section {
  const general =
    `A firewall decides, packet by packet, what may reach a machine, using rules on addresses, ports and protocols. ` +
    `With a "default deny" policy everything is dropped unless a rule allows it. That shrinks what an attacker can reach: ` +
    `a service that only other servers should use (a database, a statistics page, a metrics exporter) cannot be attacked from anywhere else, ` +
    `even if it has a bug or a weak password. It also guards against mistakes, such as a program that listens on every interface by accident.`;
  const guarded = f.model.hosts.filter((h) => h.firewall);
  const blocks: Section["blocks"] = [{ kind: "paragraph", text: general }];
  if (guarded.length) {
    blocks.push({
      kind: "paragraph",
      text:
        `In this design every server${guarded.some((h) => h.kind === "infra") ? " and the monitoring host" : ""} (${names(guarded)}) runs a default-deny nftables firewall whose rules come from the design's own flows. ` +
        `Each host lets in only this (replies to connections it opened itself are always allowed):`,
    });
    blocks.push({ kind: "bullets", items: guarded.map((h) => `${h.name}: ${rulesText(f, h.name)}`) });
    const declared = f.model.flows.filter((x) => x.declared);
    if (declared.length) {
      blocks.push({
        kind: "paragraph",
        text: `Besides the flows stacklab derives from the tiers, the design opens ${declared.length === 1 ? "one more" : `${declared.length} more`} in firewall.allow:`,
      });
      blocks.push({
        kind: "bullets",
        items: declared.map((x) => {
          const from = x.from.role === "user" ? "visitors (anywhere)" : x.from.hosts.join(", ");
          const risk = x.declared!.acceptRisk !== undefined ? " (plan reports it as a high finding)" : "";
          return `${x.id}: ${x.transport.toUpperCase()} ${x.port} from ${from} to ${x.to.hosts.join(", ")}: ${x.purpose}${risk}`;
        }),
      });
    }
  } else {
    const lb = f.withRole("lb")[0];
    const db = f.withRole("db")[0];
    const examples = [
      lb ? `${lb.name}'s statistics page (port 8404) is open to anyone who can reach ${lb.name}` : "",
      db ? `MariaDB on ${db.name} (port 3306) answers anything that reaches the private network, so one compromised machine there can talk to the data directly` : "",
    ].filter(Boolean);
    blocks.push({
      kind: "paragraph",
      text:
        `This design has no firewall. Any port a service listens on can be reached by anyone who can reach the host; only the network layout limits that.` +
        (examples.length ? ` For example, ${examples.join(", and ")}.` : ""),
    });
  }
  return { id: "firewall", title: "Firewalls", blocks };
}
