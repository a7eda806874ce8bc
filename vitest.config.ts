import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { integrationOrder } from "./test/integration/order.js";

/**
 * Integration files in a fixed order (test/integration/order.ts): the files that share a seed design's lab first,
 * grouped so each shared lab comes up once and goes down after its last user, then the others by name. Vitest's
 * default orders by size or by the last run's durations. Unit files keep vitest's order.
 */
class IntegrationOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const integration = sorted.filter((f) => f.project.name === "integration");
    const byFile = new Map(integration.map((f) => [f.moduleId, f]));
    return [...integrationOrder([...byFile.keys()]).map((id) => byFile.get(id)!), ...sorted.filter((f) => f.project.name !== "integration")];
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: IntegrationOrder },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          // Takes down the labs that files share (test/integration/shared-lab.ts) after the last file.
          globalSetup: ["test/integration/shared-teardown.ts"],
          // Prints each failed attempt, so a test that passed on its retry still says why its first attempt failed.
          setupFiles: ["test/integration/log-attempts.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          pool: "forks",
          // Real labs share the machine's 2 cores with everything else: a test that fails is run once
          // more before it counts, and vitest reports the retry.
          retry: 1,
        },
      },
    ],
  },
});
