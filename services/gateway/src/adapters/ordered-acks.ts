import type { MqttClient } from "mqtt";

type Send = (packet: { cmd: string; messageId?: number }, cb?: () => void, ...rest: unknown[]) => void;

/**
 * Lets one MQTT connection work on many messages at once while still sending each PUBACK only
 * after its message is safely stored, and in the order the messages came (MQTT 3.1.1 §4.6).
 *
 * mqtt.js hands a connection's messages to `handleMessage` one at a time and sends the PUBACK
 * when its callback runs, so a connection's throughput would be one JetStream round trip per
 * message. Here the callback runs at once (the next message is read), and the PUBACK mqtt.js
 * then sends is held back until `handle` has resolved for it and for every earlier message.
 * At most `window` messages are outstanding per connection; beyond that reading pauses.
 * On a reconnect the held PUBACKs are dropped: the broker redelivers those messages.
 */
export function orderedAcks(
  client: MqttClient,
  handle: (topic: string, payload: Uint8Array) => Promise<void>,
  window: number,
  onUnacked: (err: Error) => void,
): void {
  interface Entry {
    ready: boolean;
    puback?: { cmd: string; messageId?: number };
  }
  let queue: Entry[] = [];
  const byId = new Map<number, Entry>();
  let paused: (() => void) | undefined;
  // mqtt.js's private send: the only place a PUBACK can be held back (pinned mqtt version).
  const target = client as unknown as { _sendPacket: Send };
  const send: Send = target._sendPacket.bind(client);

  const flush = () => {
    while (queue.length > 0 && queue[0]?.ready && queue[0].puback) {
      const e = queue.shift() as Entry;
      if (e.puback?.messageId !== undefined) byId.delete(e.puback.messageId);
      send(e.puback as { cmd: string });
    }
    if (paused && queue.length < window) {
      const resume = paused;
      paused = undefined;
      resume();
    }
  };

  target._sendPacket = (packet, cb, ...rest) => {
    const entry =
      packet.cmd === "puback" && packet.messageId !== undefined ? byId.get(packet.messageId) : undefined;
    if (!entry) return send(packet, cb, ...rest);
    entry.puback = packet;
    cb?.(); // mqtt.js may read the next message now
    flush();
  };

  client.handleMessage = (packet, callback) => {
    if (packet.qos === 0 || packet.messageId === undefined) {
      handle(packet.topic, packet.payload as Uint8Array).then(() => callback(), onUnacked);
      return;
    }
    const entry: Entry = { ready: false };
    const generation = queue;
    queue.push(entry);
    byId.set(packet.messageId, entry);
    handle(packet.topic, packet.payload as Uint8Array).then(() => {
      entry.ready = true;
      if (generation === queue) flush();
    }, onUnacked);
    if (queue.length < window) callback();
    else paused = callback;
  };

  client.on("close", () => {
    queue = [];
    byId.clear();
    paused = undefined;
  });
}
