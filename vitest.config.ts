import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.spec.ts",
      "services/*/src/**/*.spec.ts",
      "services/*/test/**/*.spec.ts",
      "scripts/**/*.spec.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default", "./scripts/plainSummaryReporter.ts"],
  },
});
