import { addressOf, type HrEvent, mqttTopic } from "@hrvend/schemas";
import mqtt from "mqtt";

export interface SourceBroker {
  url: string;
  /** The source's own account: username = client id = source id. */
  username: string;
  password: string;
  /** A CA certificate (PEM) for an mqtts:// broker signed by the deployment's CA. */
  ca?: string;
}

/**
 * Publishes events in order, QoS 1, with the source's own account; resolves once the broker
 * acknowledged every one (PUBACK). Over MQTT 5 a refused publish (its ACL) fails with the
 * broker's reason instead of vanishing.
 */
export async function publishEvents(b: SourceBroker, events: HrEvent[]): Promise<void> {
  if (events.length === 0) return;
  const client = await mqtt.connectAsync(b.url, {
    clientId: b.username,
    username: b.username,
    password: b.password,
    clean: true,
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...(b.ca === undefined ? {} : { ca: b.ca }),
  });
  try {
    for (const e of events) {
      const refused = (why: string) =>
        new BrokerRefusedError(
          `the broker refused ${e.kind} on ${mqttTopic(addressOf(e))} (${why}): may account '${b.username}' publish it?`,
        );
      const packet = await client
        .publishAsync(mqttTopic(addressOf(e)), JSON.stringify(e), { qos: 1 })
        .catch((err: Error) => {
          throw refused(err.message);
        });
      const code = (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
      if (code >= 0x80) throw refused(`MQTT reason ${code}`);
    }
  } finally {
    await client.endAsync();
  }
}

/** The broker did not take an event (its ACL refused the account, or the connection failed). */
export class BrokerRefusedError extends Error {
  override readonly name = "BrokerRefusedError";
}
