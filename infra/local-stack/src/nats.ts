import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InfraError } from "@hrvend/runtime";
import { waitForPort } from "./ports";
import { isAlive, startProcess, stopPid, tail } from "./process";
import type { ServerHandle, StartOptions } from "./server";
import { renderConfig } from "./template";

export interface NatsOptions extends StartOptions {
  monitorPort: number;
  serverName?: string;
  /** Appended to the rendered config: accounts, an MQTT listener, cluster routes. */
  extraConfig?: string;
}

const NATS_BIN = "/usr/sbin/nats-server";

/** Starts nats-server with JetStream, storing streams under `dir/jetstream`. */
export async function startNats(opts: NatsOptions): Promise<ServerHandle> {
  if (!existsSync(NATS_BIN))
    throw new InfraError(`nats-server is not installed; run infra/scripts/provision.sh`);
  mkdirSync(join(opts.dir, "jetstream"), { recursive: true });
  const confFile = join(opts.dir, "nats.conf");
  const logFile = join(opts.dir, "nats.log");
  writeFileSync(
    confFile,
    renderConfig("nats.conf", {
      port: opts.port,
      monitorPort: opts.monitorPort,
      dir: opts.dir,
      serverName: opts.serverName ?? `hrvend-${opts.port}`,
    }) + (opts.extraConfig ? `\n${opts.extraConfig}\n` : ""),
  );
  const child = startProcess(NATS_BIN, ["-c", confFile], { logFile, detached: opts.detached ?? false });
  const pid = child.pid;
  if (pid === undefined) throw new InfraError("could not spawn nats-server", { logFile });
  await waitForPort(opts.port, "nats-server", { alive: () => isAlive(pid), logTail: () => tail(logFile) });
  return {
    name: "nats",
    pid,
    port: opts.port,
    url: `nats://127.0.0.1:${opts.port}`,
    dir: opts.dir,
    logFile,
    stop: () => stopPid(pid, "SIGTERM"),
  };
}
