import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Integration files in the order of their names, the same on every run: files that share a lab
 * (test/integration/shared-lab.ts) then meet it in a known order (vitest's default orders by size or by the last
 * run's durations). Unit files keep vitest's order.
 */
class ByName extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const integration = sorted.filter((f) => f.project.name === "integration").sort((a, b) => a.moduleId.localeCompare(b.moduleId));
    return [...integration, ...sorted.filter((f) => f.project.name !== "integration")];
  }
}

// Two tiers: fast unit tests (no root needed) and integration tests that
// bring up real labs (root, Debian packages). Integration files run one at a
// time because they share the machine's 2 cores.
export default defineConfig({
  test: {
    sequence: { sequencer: ByName },
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
