import { createHash } from "node:crypto";
import type { DeadLetter } from "@hrvend/schemas";
import type { JetStreamClient } from "@nats-io/jetstream";

/** Thin adapter: accepted events and dead letters into their JetStream streams. */
export class StreamPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly streams: { events: string; dead: string; deadPrefix: string },
  ) {}

  /**
   * Resolves once JetStream has stored the event, or recognised it as a duplicate. The message
   * id is the event key plus a digest of the bytes: a device's replay of the same event is
   * dropped by JetStream's dedup, while a conflicting re-use of a seq (same key, other content)
   * is not silently swallowed but reaches the recorder, which dead-letters it as duplicate_seq.
   */
  async publishEvent(subject: string, key: string, payload: Uint8Array): Promise<void> {
    const digest = createHash("sha256").update(payload).digest("base64url").slice(0, 16);
    await this.js.publish(subject, payload, {
      msgID: `${key}#${digest}`,
      expect: { streamName: this.streams.events },
    });
  }

  async publishDeadLetter(dl: DeadLetter): Promise<void> {
    await this.js.publish(`${this.streams.deadPrefix}.${dl.reason}`, JSON.stringify(dl), {
      msgID: dl.id,
      expect: { streamName: this.streams.dead },
    });
  }
}
