import type { DeadLetter } from "@hrvend/schemas";
import type { JetStreamClient } from "@nats-io/jetstream";

/** Thin adapter: accepted events and dead letters into their JetStream streams. */
export class StreamPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly streams: { events: string; dead: string; deadPrefix: string },
  ) {}

  /** Resolves once JetStream has stored the event (or recognised it as a duplicate by key). */
  async publishEvent(subject: string, key: string, payload: Uint8Array): Promise<void> {
    await this.js.publish(subject, payload, { msgID: key, expect: { streamName: this.streams.events } });
  }

  async publishDeadLetter(dl: DeadLetter): Promise<void> {
    await this.js.publish(`${this.streams.deadPrefix}.${dl.reason}`, JSON.stringify(dl), {
      msgID: dl.id,
      expect: { streamName: this.streams.dead },
    });
  }
}
