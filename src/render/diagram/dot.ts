// toDot: the architecture picture of a design as Graphviz DOT text. Pure and deterministic.
import type { Model } from "../../model/types.js";
import { attrs, nodeId, q } from "./dot-syntax.js";
import { buildEdges } from "./edges.js";
import { floatingEdges, floatingIds, floatingNodes } from "./entry.js";
import { dnsLabel, hostLabel, userLabel } from "./labels.js";
import { type Placement, type Tier, placementOf, tiersOf } from "./layout.js";
import { type LegendUse, legendLabel } from "./legend.js";
import { COLORS, FONT, flowClass } from "./style.js";

export interface DotOptions {
  /** Title printed under the picture; defaults to the design's name and domain. */
  title?: string;
}

/** Builds the DOT source of a design's architecture picture: the same model always gives the same text. */
export function toDot(model: Model, options: DotOptions = {}): string {
  const tiers = tiersOf(model);
  const floating = floatingIds(model);
  const edges = buildEdges(model, { tiers, floating });
  const hostEntry = (name: string) => model.entryPoints.find((e) => e.kind === "host" && e.holders.includes(name));

  const hostNode = (name: string, indent: string): string => {
    const host = model.hosts.find((h) => h.name === name)!;
    let label: string;
    if (host.roles.includes("user")) label = userLabel(host);
    else if (host.roles.includes("dns")) label = dnsLabel(model, host);
    else label = hostLabel(model, host, edges.local.get(name) ?? [], hostEntry(name));
    return `${indent}${q(nodeId(name))}${attrs({ label: { html: label } })};`;
  };
  const tierBlock = (tier: Tier, indent: string): string[] => {
    if (tier.hosts.length === 1) return [hostNode(tier.hosts[0]!, indent)];
    return [
      `${indent}subgraph ${q(tier.id)} {`,
      `${indent}  graph${attrs({ label: `${tier.label} (${tier.hosts.length})`, style: "rounded,dashed", color: COLORS.tierBorder, fontcolor: COLORS.muted, fontsize: 10 })};`,
      ...tier.hosts.map((h) => hostNode(h, `${indent}  `)),
      `${indent}  { rank="same"; ${tier.hosts.map((h) => q(nodeId(h))).join("; ")}; }`,
      `${indent}}`,
    ];
  };
  const infraIn = (placement: Placement) => model.hosts.filter((h) => h.kind === "infra" && placementOf(h) === placement).map((h) => h.name);

  const out: string[] = [];
  out.push(`digraph ${q(model.name)} {`);
  out.push(
    `  graph${attrs({
      rankdir: "TB",
      compound: "true",
      newrank: "true",
      fontname: FONT,
      fontsize: 11,
      nodesep: 0.35,
      ranksep: 0.9,
      pad: 0.3,
      bgcolor: "white",
      labelloc: "b",
      labeljust: "l",
      label: { html: legendLabel(options.title ?? `${model.name} · ${model.domain}`, model.description, legendUse(model)) },
    })};`,
  );
  out.push(`  node${attrs({ shape: "plain", fontname: FONT, fontsize: 10 })};`);
  out.push(`  edge${attrs({ fontname: FONT, fontsize: 9, arrowsize: 0.8 })};`);

  const emptyNets: string[] = [];
  for (const net of model.networks) {
    const fill = net.name === "public" ? [COLORS.publicNet, COLORS.publicNetBorder] : [COLORS.privateNet, COLORS.privateNetBorder];
    out.push(`  subgraph ${q(`cluster_net_${net.name}`)} {`);
    out.push(`    graph${attrs({ label: `${net.name} network ${net.cidr}`, labeljust: "l", style: "rounded,filled", fillcolor: fill[0], color: fill[1], fontcolor: COLORS.neutral, fontsize: 11 })};`);
    // The visitor and DNS come first (top); the monitoring host after the servers (to their right).
    const infra = infraIn(net.name);
    const inside = tiers.filter((t) => t.placement === net.name);
    for (const name of infra.filter((h) => h !== model.monitoring.host)) out.push(hostNode(name, "    "));
    if (net.name === "public") out.push(...floatingNodes(model, "    "));
    for (const tier of inside) out.push(...tierBlock(tier, "    "));
    for (const name of infra.filter((h) => h === model.monitoring.host)) out.push(hostNode(name, "    "));
    if (!infra.length && !inside.length && !(net.name === "public" && floating.length)) {
      emptyNets.push(net.name);
      const legs = model.hosts.filter((h) => h.interfaces.some((i) => i.network === net.name)).map((h) => h.name);
      out.push(
        `    ${q(`empty_${net.name}`)}${attrs({ shape: "note", label: `no host lives only here:\n${legs.join(", ")} ${legs.length === 1 ? "has" : "have"} a second interface on it`, fontsize: 9, fontcolor: COLORS.muted, color: COLORS.tierBorder })};`,
      );
    }
    out.push(`  }`);
  }
  for (const tier of tiers.filter((t) => t.placement === "both")) out.push(...tierBlock(tier, "  "));

  out.push(...floatingEdges(model));
  out.push(...edges.lines);
  out.push(...rankHints(model, tiers, emptyNets));
  out.push(`}`);
  return `${out.join("\n")}\n`;
}

/** Rank hints for boxes without traffic arrows: the monitoring host beside the first private tier, an empty network's note last. */
function rankHints(model: Model, tiers: Tier[], emptyNets: string[]): string[] {
  const mon = model.monitoring.host;
  const lines: string[] = [];
  const anchor = tiers.find((t) => t.placement === "private") ?? tiers[tiers.length - 1];
  if (mon && anchor) lines.push(`  { rank="same"; ${q(nodeId(anchor.hosts[anchor.hosts.length - 1]!))}; ${q(nodeId(mon))}; }`);
  const last = tiers[tiers.length - 1];
  if (last && emptyNets.includes("private")) lines.push(`  ${q(nodeId(last.hosts[0]!))} -> ${q("empty_private")}${attrs({ style: "invis" })};`);
  return lines;
}

function legendUse(model: Model): LegendUse {
  const classes = new Set(model.flows.map(flowClass));
  return {
    encrypted: classes.has("encrypted"),
    plaintext: classes.has("plaintext"),
    control: classes.has("control"),
    monitoring: classes.has("monitoring"),
    firewall: model.hosts.some((h) => h.firewall),
    floating: model.entryPoints.some((e) => e.kind === "floating"),
  };
}
