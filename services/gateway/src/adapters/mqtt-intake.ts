import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { orderedAcks } from "./ordered-acks";

export interface IntakeOptions {
  url: string;
  username: string;
  password: string;
  clientIdPrefix: string;
  shareGroup: string;
  filters: string[];
  connections: number;
  /** Messages one connection works on at once (PUBACKs still go in order, after storage). */
  window: number;
}

/**
 * Opens the gateway's MQTT connections (persistent sessions, fixed client ids) in one shared
 * subscription group. mqtt.js sends a PUBACK when handleMessage's callback runs, so the callback
 * waits for `handle`: the broker keeps the message until JetStream has it.
 */
export async function startIntake(
  opts: IntakeOptions,
  handle: (topic: string, payload: Uint8Array) => Promise<void>,
  log: Logger,
): Promise<MqttClient[]> {
  const filters = opts.filters.map((f) => (opts.shareGroup ? `$share/${opts.shareGroup}/${f}` : f));
  return Promise.all(
    Array.from({ length: opts.connections }, async (_, i) => {
      const client = mqtt.connect(opts.url, {
        clientId: `${opts.clientIdPrefix}-${i}`,
        username: opts.username,
        password: opts.password,
        clean: false,
        protocolVersion: 4,
        // Back before the machines (1 s): after a broker restart the subscription must be renewed first.
        reconnectPeriod: 200,
        connectTimeout: 10_000,
        resubscribe: true,
      });
      orderedAcks(client, handle, opts.window, (err) =>
        log.warn({ err: err.message }, "message left unacknowledged at the broker"),
      );
      client.on("error", (err) => log.error({ err: err.message, client: i }, "MQTT error"));
      client.on("reconnect", () => log.warn({ client: i }, "MQTT reconnecting"));
      await new Promise<void>((resolve, reject) => {
        client.once("connect", () => resolve());
        client.once("error", reject);
      });
      await client.subscribeAsync(filters, { qos: 1 });
      // After the broker itself was down (connections refused), renew the subscription even
      // though the broker resumes the session: Mosquitto 2.0.11 restarted from its persistence
      // file restores a shared subscription that no longer receives anything when ACLs are on
      // (seen in test/e2e/faults.e2e.test.ts: nothing reached the stream after a SIGKILL of the
      // broker); unsubscribing and subscribing again repairs it. Not after other reconnects
      // (a keepalive timeout under load): the live session's queue must be left alone.
      let brokerWasDown = false;
      client.on("error", (err) => {
        if ((err as NodeJS.ErrnoException).code === "ECONNREFUSED") brokerWasDown = true;
      });
      client.on("connect", () => {
        if (!brokerWasDown) return;
        brokerWasDown = false;
        log.warn({ client: i }, "broker restarted: renewing the shared subscription");
        client
          .unsubscribeAsync(filters)
          .then(() => client.subscribeAsync(filters, { qos: 1 }))
          .catch((err: Error) => log.error({ err: err.message, client: i }, "MQTT resubscribe failed"));
      });
      return client;
    }),
  );
}
