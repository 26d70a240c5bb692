/**
 * What the local stack reads from the environment, and the only file of this workspace that reads
 * process.env (lint rule noProcessEnv). Functions read at call time, as the callers did before.
 */

/** HRVEND_PG_MAJOR: the PostgreSQL major version whose binaries start the database (default 15). */
export const PG_MAJOR = process.env["HRVEND_PG_MAJOR"] ?? "15";

/** HRVEND_SERVICE_READY_TIMEOUT as given (seconds), parsed by `readyTimeoutMsFrom`. */
export function serviceReadyTimeoutSetting(): string | undefined {
  return process.env["HRVEND_SERVICE_READY_TIMEOUT"];
}

/** HRVEND_SERVICE_NODE_ARGS: node flags for every service process, e.g. `--cpu-prof`. */
export function serviceNodeArgs(): string[] {
  return (process.env["HRVEND_SERVICE_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
}

/** PATH, the only variable a service process inherits from its parent. */
export function inheritedPath(): string {
  return process.env["PATH"] ?? "";
}

/** The whole environment, for a server process started as another user (HOME and USER replaced). */
export function parentEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** VITEST_POOL_ID: the vitest worker this process is (1…), 0 outside vitest's workers (freePort's block). */
export function vitestPoolId(): number {
  return Number(process.env["VITEST_POOL_ID"] ?? 0);
}
