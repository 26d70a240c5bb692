import { defineProject } from "vitest/config";

// Own config so `vitest run` in this folder tests only this workspace; the root config lists it as a project.
export default defineProject({
  test: {
    name: "notifier",
    include: ["src/**/*.test.ts"],
  },
});
