import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  newSecret,
  type ServerHandle,
  startMosquitto,
  startNats,
  startPostgres,
} from "@hrvend/infra";
import type { TestProject } from "vitest/node";

/**
 * Starts one private PostgreSQL+TimescaleDB, one nats-server with JetStream and one mosquitto
 * per test run, on free loopback ports in a temporary dir; tears them down afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), "hrvend-test-"));
  // Servers run as their own system users when we are root: let them reach their dirs.
  chmodSync(root, 0o755);
  const pgPassword = newSecret();
  const results = await Promise.allSettled([
    startPostgres({
      dir: join(root, "postgres"),
      port: await freePort(),
      superuserPassword: pgPassword,
      durable: false,
    }),
    startNats({ dir: join(root, "nats"), port: await freePort(), monitorPort: await freePort() }),
    startMosquitto({ dir: join(root, "mosquitto"), port: await freePort() }),
  ]);
  const servers = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
    throw failed.reason;
  }
  const [pg, nats, mqtt] = servers as [ServerHandle, ServerHandle, ServerHandle];
  project.provide("servers", {
    postgresAdminUrl: pg.url,
    natsUrl: nats.url,
    mqttUrl: mqtt.url,
    mosquittoDir: mqtt.dir,
    mosquittoPid: mqtt.pid,
    rolePassword: newSecret(),
  });
  return async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  };
}

export interface TestServers {
  postgresAdminUrl: string;
  natsUrl: string;
  mqttUrl: string;
  mosquittoDir: string;
  mosquittoPid: number;
  /** Password of the least-privilege database roles for this run. */
  rolePassword: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    servers: TestServers;
  }
}
