import mqtt from "mqtt";
import type { ConnectOptions, MqttConnector, PublisherConnection } from "./mqttConnector";

export interface MqttJsConnectorOptions {
  url: string;
  keepaliveSeconds: number;
  /** Called on connection errors (refused credentials, broker down); the client keeps retrying. */
  onError?: (clientId: string, error: Error) => void;
  reconnectPeriodMs?: number;
}

/**
 * mqtt.js behind MqttConnector: MQTT 3.1.1 (NATS's MQTT listener must work too), QoS 1,
 * clean: false, fixed clientId, per-device credentials, will with QoS 1. While the broker is
 * away mqtt.js keeps unacknowledged messages and resends them on reconnect.
 */
export function mqttJsConnector(options: MqttJsConnectorOptions): MqttConnector {
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
        connectTimeout: 30_000,
        resubscribe: false,
        ...(o.will
          ? { will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: false } }
          : {}),
      });
      client.on("error", (error) => options.onError?.(o.clientId, error));
      return {
        publish: (topic, payload) =>
          new Promise<void>((resolve, reject) => {
            client.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve()));
          }),
        kill: () => new Promise<void>((resolve) => client.end(true, {}, () => resolve())),
        close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
      };
    },
  };
}
