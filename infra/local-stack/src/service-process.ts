import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InfraError } from "@hrvend/runtime";
import { inheritedPath, serviceNodeArgs, serviceReadyTimeoutSetting } from "./config";
import { isAlive } from "./process";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  logs(): string;
  /** Resolves once a log line matches; fails if the process exits first. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends the signal and resolves when the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Runs a service from its sources (`services/<name>/src/main.ts` through tsx), as in
 * production, logging to a file, and waits until it logs that it is ready. `detached` services
 * outlive the caller (`hrvend services start`); attached ones are the caller's (tests).
 * HRVEND_SERVICE_NODE_ARGS adds node flags, e.g. `--cpu-prof` to profile a service.
 * HRVEND_SERVICE_READY_TIMEOUT (seconds, default 90) bounds the wait for "ready" and for any log
 * line awaited without a timeout of its own: a service that exits fails at once, and a ready one
 * is seen within 50 ms, so a long bound costs nothing on the happy path; 30 s was too short on a
 * 2-core machine at load average 30 (the cluster e2e failed while tsx was still compiling).
 */
export async function spawnService(
  name: string,
  env: Record<string, string>,
  opts: { logFile: string; detached?: boolean; readyTimeoutMs?: number },
): Promise<ServiceProcess> {
  const defaultTimeoutMs = readyTimeoutMsFrom(serviceReadyTimeoutSetting());
  const nodeArgs = serviceNodeArgs();
  const fd = openSync(opts.logFile, "a");
  const start = existsSync(opts.logFile) ? readFileSync(opts.logFile).length : 0;
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", `services/${name}/src/main.ts`], {
    cwd: ROOT,
    env: { PATH: inheritedPath(), LOG_LEVEL: "info", ...env },
    stdio: ["ignore", fd, fd],
    detached: opts.detached ?? false,
  });
  closeSync(fd);
  if (opts.detached) child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new InfraError(`could not start service ${name}`);
  const logs = () =>
    existsSync(opts.logFile) ? readFileSync(opts.logFile).subarray(start).toString("utf8") : "";
  const proc: ServiceProcess = {
    name,
    pid,
    logFile: opts.logFile,
    logs,
    waitForLog: async (re, timeoutMs = defaultTimeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(logs())) {
        if (!isAlive(pid) || child.exitCode !== null) {
          throw new InfraError(`${name} exited before logging ${re}:\n${logs().slice(-3000)}`);
        }
        if (Date.now() > deadline)
          throw new InfraError(
            `${name} did not log ${re} within ${Math.round(timeoutMs / 1000)} s (HRVEND_SERVICE_READY_TIMEOUT):\n${logs().slice(-3000)}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill(signal);
      await exited;
    },
  };
  try {
    await proc.waitForLog(/"msg":"\w+ ready"/, opts.readyTimeoutMs);
  } catch (e) {
    // A service that never got ready is nobody's to stop: without this it outlives its test run.
    await proc.kill("SIGKILL");
    throw e;
  }
  return proc;
}

/** The default wait for a service's log line, from HRVEND_SERVICE_READY_TIMEOUT (seconds). */
export const DEFAULT_READY_TIMEOUT_MS = 90_000;

export function readyTimeoutMsFrom(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_READY_TIMEOUT_MS;
  const s = Number(value);
  if (!Number.isFinite(s) || s <= 0)
    throw new InfraError(`HRVEND_SERVICE_READY_TIMEOUT must be a number of seconds above 0, got '${value}'`);
  return s * 1000;
}
