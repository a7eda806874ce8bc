import { defineConfig } from "vitest/config";

// Two tiers: fast unit tests (no root needed) and integration tests that
// bring up real labs (root, Debian packages). Integration files run one at a
// time because they share the machine's 2 cores.
export default defineConfig({
  test: {
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
