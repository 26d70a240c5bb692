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
  },
});
