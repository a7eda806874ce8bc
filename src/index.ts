// The stacklab library: spec, model, and the pieces built on them.
export * from "./spec/index.js";
export * from "./model/index.js";
export { listBlueprints, loadBlueprint, findBlueprint } from "./blueprints/index.js";
export * from "./analysis/index.js";
