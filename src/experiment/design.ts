// Which design a lab runs, and which of a scenario's expectation groups apply to it.
import { basename } from "node:path";
import { findBlueprint } from "../blueprints/index.js";
import type { Model } from "../model/types.js";
import type { LabState } from "../runtime/state.js";
import type { Expectation } from "./expect.js";
import type { Scenario, When } from "./scenario.js";

/** A design's name and the features expectations can be keyed on. */
export interface DesignFacts {
  /** Blueprint name (3-scale_up) or the design file's name without extension. */
  name: string;
  loadBalancer: "none" | "single" | "active-passive" | "active-active";
  failover: "manual" | "automatic";
  replication: "none" | "async" | "semisync";
}

/** The facts of the design a lab runs. */
export function designFacts(state: LabState, model: Model): DesignFacts {
  let name = basename(state.source).replace(/\.(ya?ml|json|ts|js)$/, "");
  if (state.source.startsWith("blueprint ")) {
    try {
      name = findBlueprint(state.source.slice("blueprint ".length)).name;
    } catch {
      name = state.source.slice("blueprint ".length);
    }
  }
  return { name, loadBalancer: model.loadBalancer?.ha ?? "none", failover: model.database.failover, replication: model.database.replication };
}

function designMatches(wanted: string, name: string): boolean {
  return wanted === name || name.split("-")[0] === wanted;
}

/** True when every key of `when` matches the design. */
export function whenMatches(when: When | undefined, d: DesignFacts): boolean {
  if (!when) return true;
  if (when.design && !when.design.some((w) => designMatches(w, d.name))) return false;
  if (when.loadBalancer && when.loadBalancer !== d.loadBalancer) return false;
  if (when.failover && when.failover !== d.failover) return false;
  if (when.replication && when.replication !== d.replication) return false;
  return true;
}

/** The expectations that apply to a design: those of every matching group, in order. */
export function applicableExpectations(scenario: Scenario, d: DesignFacts): { check: Expectation; why?: string }[] {
  // The reason is shown once, with the first check of its group.
  return scenario.expect.filter((c) => whenMatches(c.when, d)).flatMap((c) => c.check.map((check, i) => ({ check, ...(c.why && i === 0 ? { why: c.why } : {}) })));
}
