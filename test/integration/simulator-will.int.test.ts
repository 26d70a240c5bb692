import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mqttJsConnector } from "@hrvend/devices";
import { freePort, type ServerHandle, startMosquitto } from "@hrvend/local-stack";
import { deviceUser } from "@hrvend/runtime";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The simulator's connection loss (a will item) on a connection it has only just opened: after a
 * resumed run, the will's machine has no connection yet, so the sink opens one with the will and
 * kills it. Killed before the broker had its CONNECT, the broker knew no will and published
 * nothing, while the ledger holds the will (an estate bench run waited 30 min for that one event).
 */
const dir = mkdtempSync(join(tmpdir(), "hrvend-sim-will-"));
chmodSync(dir, 0o755); // mosquitto runs as its own user
let broker: ServerHandle | undefined;
afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("simulator connections over a real mosquitto", () => {
  it("given a connection with a will killed as soon as it is opened, then the broker publishes the will", async () => {
    const topic = "hr/v1/p1/machine/m1/status";
    broker = await startMosquitto({
      dir: join(dir, "mosquitto"),
      port: await freePort(),
      users: [deviceUser("p1", "m1", "pw"), { username: "watcher", password: "w", subscribe: ["hr/v1/#"] }],
    });
    const received: string[] = [];
    const watcher = mqtt.connect(broker.url, { username: "watcher", password: "w", clientId: "watcher" });
    watcher.on("message", (_t, payload) => received.push(payload.toString()));
    await new Promise((r) => watcher.once("connect", r));
    await watcher.subscribeAsync("hr/v1/#", { qos: 1 });
    try {
      const connector = mqttJsConnector({ url: broker.url, keepaliveSeconds: 60 });
      for (const n of [1, 2, 3]) {
        const conn = connector.connect({
          clientId: "m1",
          username: "m1",
          password: "pw",
          will: { topic, payload: `{"will":${n}}` },
        });
        await conn.kill(); // at once, as the sink does after a restart
        await expect.poll(() => received, { timeout: 10_000 }).toContain(`{"will":${n}}`);
      }
      expect(received).toEqual(['{"will":1}', '{"will":2}', '{"will":3}']);
    } finally {
      watcher.end(true);
    }
  });
});
