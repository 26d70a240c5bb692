import { join } from "node:path";
import { deviceCredentials, type Scenario } from "@hrvend/devices";
import { freePort, type ServerHandle, startMosquitto, startNats } from "@hrvend/local-stack";

/**
 * A broker and a NATS server of a test's own, for tests that run a simulator scenario (whose
 * prison ids are fixed, so it cannot share the run's servers) or stop a server on purpose. The
 * broker knows the scenario's devices and a gateway account `gw`/`gw` reading all of hr/v1.
 */
export async function startPrivateServers(
  dir: string,
  scenario: Scenario,
  secret: string,
): Promise<{ broker: ServerHandle; nats: ServerHandle; stop(): Promise<void> }> {
  const broker = await startMosquitto({
    dir: join(dir, "mosquitto"),
    port: await freePort(),
    users: [
      ...deviceCredentials(scenario, secret),
      { username: "gw", password: "gw", subscribe: ["hr/v1/#"] },
    ],
  });
  const nats = await startNats({
    dir: join(dir, "nats"),
    port: await freePort(),
    monitorPort: await freePort(),
  }).catch(async (e) => {
    await broker.stop();
    throw e;
  });
  return { broker, nats, stop: async () => void (await Promise.all([broker.stop(), nats.stop()])) };
}
