// What every rule receives: the model, its path graph and what works when nothing has failed.
import type { Model } from "../../model/types.js";
import { buildPathGraph, evaluate, type PathGraph, type Reach } from "../paths.js";
import type { Finding } from "../types.js";

/** Inputs shared by all rules, computed once per analysis. */
export interface RuleContext {
  model: Model;
  graph: PathGraph;
  /** What works with every host up. */
  baseline: Reach;
}

/** A rule: a pure function from the design to the findings it raises. */
export type Rule = (ctx: RuleContext) => Finding[];

/** Builds the context for a model. */
export function ruleContext(model: Model): RuleContext {
  const graph = buildPathGraph(model);
  return { model, graph, baseline: evaluate(graph, new Set()) };
}
