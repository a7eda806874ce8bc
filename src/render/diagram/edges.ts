// Turns the model's flows into the diagram's arrows: one per tier-to-tier flow, in-host flows kept apart.
import type { Flow, Model } from "../../model/types.js";
import { attrs, nodeId, q } from "./dot-syntax.js";
import { ENTRY_CLUSTER } from "./entry.js";
import { ROLE_SERVICE } from "./labels.js";
import type { Tier } from "./layout.js";
import { edgeStyle, flowClass, flowLabel } from "./style.js";

/** One end of an arrow: a host's box (optionally one service row in it), or a whole tier through one of its hosts. */
interface End {
  node: string;
  port?: string;
  cluster?: string;
}

/** What the edges pass needs besides the model: the tiers and the ids of the floating-IP boxes. */
export interface EdgeContext {
  tiers: Tier[];
  /** Floating IP node ids, in the model's entry-point order; empty when users reach hosts directly. */
  floating: string[];
}

/** Arrows of the diagram, and the flows that stay inside one host (drawn in its box instead). */
export interface EdgeSet {
  lines: string[];
  local: Map<string, Flow[]>;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

// Arrows between tiers land on the box's edge (top or bottom), not on a service row: rows are for sideways arrows.
function endFor(hosts: string[], tiers: Tier[]): End[] {
  const tier = tiers.find((t) => sameSet(t.hosts, hosts));
  if (tier && tier.hosts.length > 1) return [{ node: nodeId(tier.hosts[0]!), cluster: tier.id }];
  return hosts.map((h) => ({ node: nodeId(h) }));
}

function ref(end: End): string {
  return end.port && !end.cluster ? `${q(end.node)}:${q(end.port)}` : q(end.node);
}

// A leading space keeps a label's first letter off its own line (dot puts labels right against the edge).
function edge(from: End, to: End, extra: Record<string, string | undefined>): string {
  const label = extra.label === undefined ? {} : { label: ` ${extra.label}` };
  return `  ${ref(from)} -> ${ref(to)}${attrs({ ...(from.cluster ? { ltail: from.cluster } : {}), ...(to.cluster ? { lhead: to.cluster } : {}), ...extra, ...label })};`;
}

/** True when the sending host also runs the receiving role: its own copy answers (writes to a primary elsewhere excepted). */
function servesLocally(model: Model, host: string, flow: Flow): boolean {
  return flow.to.hosts.includes(host) && (model.hosts.find((h) => h.name === host)?.roles.includes(flow.to.role) ?? false);
}

/** Builds every arrow of the diagram from the model's flows. */
export function buildEdges(model: Model, ctx: EdgeContext): EdgeSet {
  const lines: string[] = [];
  const local = new Map<string, Flow[]>();
  const addLocal = (host: string, flow: Flow) => local.set(host, [...(local.get(host) ?? []), flow]);

  for (const flow of model.flows) {
    const cls = flowClass(flow);
    const style = edgeStyle(cls);
    const label = flowLabel(flow);
    if (cls === "monitoring") continue;
    if (flow.protocol === "vrrp") {
      const hosts = flow.from.hosts;
      for (let i = 0; i + 1 < hosts.length; i++)
        lines.push(edge({ node: nodeId(hosts[i]!), port: "haproxy" }, { node: nodeId(hosts[i + 1]!), port: "haproxy" }, { ...style, label, dir: "both", constraint: "false" }));
      continue;
    }
    if (flow.from.role === "user" && flow.to.role !== "dns" && ctx.floating.length) {
      const to = ctx.floating.length > 1 ? { node: ctx.floating[0]!, cluster: ENTRY_CLUSTER } : { node: ctx.floating[0]! };
      lines.push(edge({ node: nodeId("user") }, to, { ...style, label }));
      continue;
    }
    const pairs: [string, string][] = [];
    for (const f of flow.from.hosts)
      for (const t of flow.to.hosts) {
        if (f === t) {
          if (flow.from.role !== flow.to.role) addLocal(f, flow);
          continue;
        }
        if (flow.id === "db-replication" && (f !== model.database.primary || !model.database.replicas.includes(t))) continue;
        if (flow.id !== "db-replication" && servesLocally(model, f, flow) && !(flow.to.role === "db" && t === model.database.primary)) continue;
        pairs.push([f, t]);
      }
    if (!pairs.length) continue;
    const froms = [...new Set(pairs.map((p) => p[0]))];
    const tos = [...new Set(pairs.map((p) => p[1]))];
    const fullMesh = pairs.length === froms.length * tos.length && !froms.some((f) => tos.includes(f));
    const writes = flow.id === "app-db" && model.database.replicas.length > 0 && tos.length === 1 && tos[0] === model.database.primary;
    const text = writes ? `writes · ${label}` : label;
    const sideways = froms.some((f) => ctx.tiers.some((t) => t.hosts.includes(f) && tos.some((h) => t.hosts.includes(h))));
    if (fullMesh && !sideways) {
      const fromEnds = endFor(froms, ctx.tiers);
      const toEnds = endFor(tos, ctx.tiers);
      let first = true;
      for (const a of fromEnds)
        for (const b of toEnds) {
          lines.push(edge(a, b, { ...style, ...(first ? { label: text } : {}) }));
          first = false;
        }
      continue;
    }
    // Flows between hosts of the same tier (an app writing to the primary on the next server) go sideways, row to row.
    const fromPort = sideways ? (ROLE_SERVICE[flow.from.role] ?? undefined) : undefined;
    const toPort = sideways ? (ROLE_SERVICE[flow.to.role] ?? undefined) : undefined;
    pairs.forEach(([f, t], i) =>
      lines.push(
        edge(
          { node: nodeId(f), ...(fromPort ? { port: fromPort } : {}) },
          { node: nodeId(t), ...(toPort ? { port: toPort } : {}) },
          { ...style, ...(i === 0 ? { label: text } : {}), ...(sideways ? { constraint: "false" } : {}) },
        ),
      ),
    );
  }
  lines.push(...scrapeEdges(model, ctx.tiers));
  return { lines, local };
}

/** Prometheus scrapes: one light dashed arrow from the monitoring host to each monitored tier. */
function scrapeEdges(model: Model, tiers: Tier[]): string[] {
  const mon = model.monitoring.host;
  if (!mon) return [];
  const scraped = new Set(model.flows.filter((f) => f.protocol === "prometheus").flatMap((f) => f.to.hosts));
  scraped.delete(mon);
  const style = edgeStyle("monitoring");
  const lines: string[] = [];
  // The monitoring host sits beside the first private tier; arrows to tiers above it are laid out upwards.
  const anchor = Math.max(
    0,
    tiers.findIndex((t) => t.placement === "private"),
  );
  tiers.forEach((tier, index) => {
    const hosts = tier.hosts.filter((h) => scraped.has(h));
    if (!hosts.length) return;
    // Aim at the tier's last (right-most) host: the monitoring host sits to the right of the servers.
    const ends = hosts.length === tier.hosts.length && hosts.length > 1 ? [{ node: nodeId(hosts[hosts.length - 1]!), cluster: tier.id }] : hosts.map((h) => ({ node: nodeId(h) }));
    const monEnd = { node: nodeId(mon), port: "prometheus" };
    for (const end of ends) lines.push(index < anchor ? edge(end, monEnd, { ...style, dir: "back", constraint: "false" }) : edge(monEnd, end, { ...style, constraint: "false" }));
  });
  return lines;
}
