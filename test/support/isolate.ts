import { inject } from "vitest";
import { type Isolated, isolateOn } from "./isolation";

export { mqttAccounts, type TestDatabase, testDatabase, withRolesLock } from "./isolation";

/** What a test file owns on the run's shared servers (see test/README.md). */
export function isolate(label: string): Isolated {
  return isolateOn(label, inject("servers"));
}
