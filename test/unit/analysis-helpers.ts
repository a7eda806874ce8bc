// Shared helpers for the analysis tests: build a model from an inline spec or a blueprint.
import { loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel } from "../../src/model/index.js";
import type { Model } from "../../src/model/types.js";
import { validateStack } from "../../src/spec/load.js";

/** Validates an inline spec and builds its model; fails the test with every problem when the spec is invalid. */
export function modelOf(spec: unknown): Model {
  const result = validateStack(spec);
  if (!result.ok) throw new Error(`invalid test spec: ${result.problems.map((p) => `[${p.path}] ${p.message}`).join("; ")}`);
  return buildModel(result.value);
}

/** The model of a built-in design. */
export function blueprintModel(name: string): Model {
  return buildModel(loadBlueprint(name));
}

/** Separate web, app and db tiers behind two load balancers sharing a floating IP; overrides merge on top. */
export function tieredSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    loadBalancer: { count: 2, ha: "active-passive" },
    servers: [
      { roles: ["web"], count: 2 },
      { roles: ["app"], count: 2 },
      { roles: ["db"], count: 2 },
    ],
    database: { replication: "semisync", failover: "manual" },
    tls: { mode: "reencrypt", internal: true },
    firewall: { policy: "default-deny" },
    monitoring: { system: "prometheus" },
    ...overrides,
  };
}
