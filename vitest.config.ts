import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// One command runs every workspace's tests: unit tests beside the code, integration and
// end-to-end tests in test/ (which start their own private servers).
export default defineConfig({
  test: {
    projects: [
      "schemas",
      "infra/runtime",
      "infra/local-stack",
      "devices",
      "services/*",
      "dashboards",
      "test",
    ],
    passWithNoTests: false,
    // Test files run side by side, one per core and at least two: most of an integration test's
    // time is spent waiting on its private servers and services, so two files share two cores
    // well (vitest's default, cores − 1, runs them one at a time on a 2-core machine).
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
