import { defineConfig } from "vitest/config";

// Two projects: `unit` is pure and fast; `integration` runs against real parts (the sandbox's kube-apiserver,
// PostgreSQL, the hub over HTTP), which the global setup files start once per run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/setup/global.ts"],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: true,
          maxWorkers: 2,
          // Projects with different maxWorkers must run as separate groups: unit first, then integration.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
