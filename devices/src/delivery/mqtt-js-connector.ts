import mqtt from "mqtt";
import type { ConnectOptions, MqttConnector, PublisherConnection } from "./mqtt-connector";

export interface MqttJsConnectorOptions {
  url: string;
  keepaliveSeconds: number;
  /** Called on connection errors (refused credentials, broker down); the client keeps retrying. */
  onError?: (clientId: string, error: Error) => void;
  reconnectPeriodMs?: number;
  /**
   * After a connection drops without our asking, re-publish what the broker acknowledged in this
   * many ms before the drop (default 10 s; 0: never). A broker that crashes loses what it had
   * acknowledged since its last save (Mosquitto saves every `autosave_interval`, 5 s here), and
   * the machine has already let go of it. The pipeline is idempotent on the event key, so
   * copies of events the broker did keep change nothing.
   */
  resendWindowMs?: number;
}

/** How long a connection may take to be accepted (mqtt.js's connectTimeout; kill's wait for it). */
const CONNECT_TIMEOUT_MS = 30_000;
/** At most this many acknowledged messages are kept per connection for a resend. */
const MAX_KEPT = 5000;

/**
 * mqtt.js behind MqttConnector: MQTT 3.1.1 (NATS's MQTT listener must work too), QoS 1,
 * clean: false, fixed clientId, per-device credentials, will with QoS 1. While the broker is
 * away mqtt.js keeps unacknowledged messages and resends them on reconnect; the recently
 * acknowledged ones are resent too (see resendWindowMs).
 */
export function mqttJsConnector(options: MqttJsConnectorOptions): MqttConnector {
  const windowMs = options.resendWindowMs ?? 10_000;
  return {
    connect(o: ConnectOptions): PublisherConnection {
      const client = mqtt.connect(options.url, {
        clientId: o.clientId,
        username: o.username,
        password: o.password,
        clean: false,
        protocolVersion: 4,
        keepalive: options.keepaliveSeconds,
        reconnectPeriod: options.reconnectPeriodMs ?? 1000,
        connectTimeout: CONNECT_TIMEOUT_MS,
        resubscribe: false,
        ...(o.will
          ? { will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: false } }
          : {}),
      });
      client.on("error", (error) => options.onError?.(o.clientId, error));
      // Acknowledged messages of the last windowMs, oldest first, and what to resend on reconnect.
      let kept: { at: number; topic: string; payload: string }[] = [];
      let ending = false;
      let lostAt: number | undefined;
      client.on("close", () => {
        if (!ending && lostAt === undefined) lostAt = Date.now();
      });
      client.on("connect", () => {
        if (lostAt === undefined || windowMs === 0) return;
        const from = lostAt - windowMs;
        lostAt = undefined;
        for (const m of kept) if (m.at >= from) client.publish(m.topic, m.payload, { qos: 1 });
      });
      const keep = (topic: string, payload: string) => {
        if (windowMs === 0) return;
        const now = Date.now();
        kept.push({ at: now, topic, payload });
        let drop = Math.max(0, kept.length - MAX_KEPT);
        while (drop < kept.length && (kept[drop] as { at: number }).at < now - windowMs) drop++;
        // Drop in chunks: one copy per many messages, not one per message.
        if (drop > 256 || drop * 2 > kept.length) kept = kept.slice(drop);
      };
      return {
        publish: (topic, payload) =>
          new Promise<void>((resolve, reject) => {
            client.publish(topic, payload, { qos: 1 }, (error) => {
              if (error) return reject(error);
              keep(topic, payload);
              resolve();
            });
          }),
        kill: async () => {
          ending = true;
          // The broker knows the will only once it has the CONNECT: a connection killed before
          // that (one opened just to be dropped, after a resumed run) would lose it. Wait for
          // the connection (up to the connect timeout), then drop it without a DISCONNECT.
          if (!client.connected)
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, CONNECT_TIMEOUT_MS);
              client.once("connect", () => {
                clearTimeout(t);
                resolve();
              });
            });
          return new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
        },
        close: () => {
          ending = true;
          return new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
        },
      };
    },
  };
}
