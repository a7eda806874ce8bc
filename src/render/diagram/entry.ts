// The floating IPs users reach: a box each (grouped when there are several), with arrows to the hosts that hold them.
import type { Model } from "../../model/types.js";
import { attrs, nodeId, q } from "./dot-syntax.js";
import { floatingLabel } from "./labels.js";
import { COLORS } from "./style.js";

/** Cluster grouping the floating IPs when there are more than one. */
export const ENTRY_CLUSTER = "cluster_entry";

/** DOT ids of the floating-IP boxes, in the model's order (empty when users reach hosts by their own address). */
export function floatingIds(model: Model): string[] {
  return model.entryPoints.filter((e) => e.kind === "floating").map((_, i) => `entry_${i + 1}`);
}

/** The floating-IP boxes, to place inside the public network. */
export function floatingNodes(model: Model, indent: string): string[] {
  const floating = model.entryPoints.filter((e) => e.kind === "floating");
  const ids = floatingIds(model);
  const nodes = floating.map((e, i) => `${indent}${q(ids[i]!)}${attrs({ label: { html: floatingLabel(e, model.loadBalancer?.ha ?? "") } })};`);
  if (nodes.length < 2) return nodes;
  return [
    `${indent}subgraph ${q(ENTRY_CLUSTER)} {`,
    `${indent}  graph${attrs({ label: `floating IPs (${nodes.length}), all in DNS`, style: "rounded,dashed", color: COLORS.floating, fontcolor: COLORS.floating, fontsize: 10 })};`,
    ...nodes.map((n) => `  ${n}`),
    `${indent}}`,
  ];
}

/** Arrows from each floating IP to its holder (solid) and to the first host that takes it over (dashed). */
export function floatingEdges(model: Model): string[] {
  const floating = model.entryPoints.filter((e) => e.kind === "floating");
  const ids = floatingIds(model);
  return floating.flatMap((e, i) => e.holders.slice(0, 2).map((h, j) => `  ${q(ids[i]!)} -> ${q(nodeId(h))}${attrs({ color: COLORS.floating, style: j === 0 ? "solid" : "dashed", penwidth: 1.2 })};`));
}
