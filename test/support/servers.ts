import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type ServerHandle, startMosquitto, startNats, startPostgres } from "@hrvend/local-stack";
import { newSecret } from "@hrvend/runtime";

export interface TestServers {
  postgresAdminUrl: string;
  natsUrl: string;
  mqttUrl: string;
  mosquittoDir: string;
  mosquittoPid: number;
  /** Password of the least-privilege database roles for this run. */
  rolePassword: string;
  /** Server process ids (benchmarks read their CPU time). */
  pids: { postgres: number; nats: number; mosquitto: number };
}

/**
 * Starts private PostgreSQL+TimescaleDB, nats-server (JetStream) and mosquitto on free loopback
 * ports in a temporary dir, for a test run or a benchmark; `stop` removes everything.
 */
export async function startTestServers(): Promise<{
  servers: TestServers;
  handles: ServerHandle[];
  stop(): Promise<void>;
}> {
  const root = mkdtempSync(join(tmpdir(), "hrvend-test-"));
  // Servers run as their own system users when we are root: let them reach their dirs.
  chmodSync(root, 0o755);
  const results = await Promise.allSettled([
    startPostgres({
      dir: join(root, "postgres"),
      port: await freePort(),
      superuserPassword: newSecret(),
      durable: false,
    }),
    startNats({ dir: join(root, "nats"), port: await freePort(), monitorPort: await freePort() }),
    startMosquitto({ dir: join(root, "mosquitto"), port: await freePort() }),
  ]);
  const handles = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stop = async () => {
    await Promise.all(handles.map((s) => s.stop()));
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  };
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [pg, nats, mqtt] = handles as [ServerHandle, ServerHandle, ServerHandle];
  return {
    handles,
    stop,
    servers: {
      postgresAdminUrl: pg.url,
      natsUrl: nats.url,
      mqttUrl: mqtt.url,
      mosquittoDir: mqtt.dir,
      mosquittoPid: mqtt.pid,
      rolePassword: newSecret(),
      pids: { postgres: pg.pid, nats: nats.pid, mosquitto: mqtt.pid },
    },
  };
}
