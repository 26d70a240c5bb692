import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["integration/**/*.test.ts", "e2e/**/*.test.ts", "deploy/**/*.test.ts", "repo/**/*.test.ts"],
    globalSetup: ["./setup/servers.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files run in parallel against the shared servers; each isolates itself (see README).
    fileParallelism: true,
  },
});
