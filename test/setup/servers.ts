import type { TestProject } from "vitest/node";
import { startTestServers, type TestServers } from "../support/servers";

/** One private instance of each server per test run (see test/README.md). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { servers, stop } = await startTestServers();
  project.provide("servers", servers);
  return stop;
}

declare module "vitest" {
  export interface ProvidedContext {
    servers: TestServers;
  }
}
