// A design with the primary lease shows it: the diagram labels the database hosts' edges to etcd, and `explain`
// says what the lease does and what it costs (blueprint 3 has it). Without the lease it shows neither.
import { describe, expect, it } from "vitest";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { explain, renderExplanation } from "../../src/explain/index.js";
import { buildModel } from "../../src/model/index.js";
import { toDot } from "../../src/render/diagram/index.js";

function design3(primaryLease: boolean) {
  const stack = loadBlueprint("3-scale_up");
  return buildModel({ ...stack, database: { ...stack.database!, primaryLease } });
}

describe("the primary lease in the diagram and in explain", () => {
  it("labels the database hosts' edges to the etcd members, and explains the lease and its price", () => {
    const model = design3(true);
    expect(model.flows.filter((f) => f.id.startsWith("etcd-lease-")).map((f) => f.id)).toEqual(["etcd-lease-lb", "etcd-lease-monitor"]);
    expect(toDot(model)).toMatch(/label=" primary lease · HTTPS :2379 · TLS"/);
    const text = renderExplanation(explain(model)).replace(/\s+/g, " ");
    expect(text).toContain("The primary holds a lease of its own (the Patroni pattern)");
    expect(text).toContain("while etcd has no quorum, no server takes writes");
  });

  it("shows neither without it", () => {
    const model = design3(false);
    expect(toDot(model)).not.toContain("primary lease");
    expect(renderExplanation(explain(model))).not.toContain("lease of its own");
  });
});
