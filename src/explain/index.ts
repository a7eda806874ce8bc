// `explain`: a plain-English account of a design, derived from its model, for learners.
import type { Model } from "../model/index.js";
import { allSections } from "./sections.js";
import { factsOf } from "./facts.js";
import { journeyOf } from "./journey.js";
import type { Explanation } from "./types.js";

export type { Block, Explanation, Hop, Journey, Section, SectionId } from "./types.js";
export { renderExplanation } from "./text.js";

/** Explains a design: what each part does and why it is there, and the journey of one request. */
export function explain(model: Model): Explanation {
  const f = factsOf(model);
  return {
    design: model.name,
    domain: model.domain,
    site: f.site,
    sections: allSections(f),
    journey: journeyOf(f),
  };
}
