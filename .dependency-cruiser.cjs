// Layer rules of stacklab, checked by `npm run deps` (dependency-cruiser) inside `npm test`.
// The architecture reads left to right; a folder may import its own layer and the layers before it,
// never a later one, and nothing may import itself back through a cycle. CONTRIBUTING.md explains each layer.
/** @type {{ name: string; paths: string[] }[]} lowest first */
const LAYERS = [
  { name: "util", paths: ["src/util/"] },
  { name: "spec", paths: ["src/spec/"] },
  { name: "blueprints", paths: ["src/blueprints/"] },
  { name: "model", paths: ["src/model/"] },
  { name: "pure", paths: ["src/analysis/", "src/explain/", "src/render/", "src/app/"] },
  { name: "runtime", paths: ["src/runtime/"] },
  { name: "lab-users", paths: ["src/failover/", "src/operations/", "src/experiment/", "src/audit/", "src/monitoring/", "src/export/"] },
  { name: "front", paths: ["src/dashboard/", "src/bench/"] },
  { name: "cli", paths: ["src/cli/", "src/index\\.ts$"] },
];

/** A regular expression matching any of the folders (or files) given. */
const pattern = (paths) => `^(${paths.join("|")})`;

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} (${layer.paths.join(", ")}) may not import a later layer: ${LAYERS.slice(i + 1)
    .map((l) => l.name)
    .join(", ")}`,
  severity: "error",
  from: { path: pattern(layer.paths) },
  to: { path: pattern(LAYERS.slice(i + 1).flatMap((l) => l.paths)) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no-circular",
      comment: "No module may import itself back through other modules (type-only imports included).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "src-not-to-tests",
      comment: "Shipped code never imports the tests.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^test/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves to a file or an installed package.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.build.json" },
  },
};
