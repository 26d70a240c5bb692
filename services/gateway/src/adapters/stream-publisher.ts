import { createHash } from "node:crypto";
import { type DeadLetter, parseNatsSubject, partitionsOf } from "@hrvend/schemas";
import type { JetStreamClient } from "@nats-io/jetstream";

/** Thin adapter: accepted events and dead letters into their JetStream streams. */
export class StreamPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly streams: { events: string; dead: string; deadPrefix: string },
    /** PARTITIONS: 0 publishes to the address's subject, N appends the partition token. */
    private readonly partitions = 0,
  ) {}

  /**
   * Resolves once JetStream has stored the event, or recognised it as a duplicate. The message
   * id is the event key plus a digest of the bytes: a device's replay of the same event is
   * dropped by JetStream's dedup, while a conflicting re-use of a seq (same key, other content)
   * is not silently swallowed but reaches the recorder, which dead-letters it as duplicate_seq.
   * Partitioned, an item definition is published into every partition (each copy its own id).
   */
  async publishEvent(subject: string, key: string, payload: Uint8Array): Promise<void> {
    const digest = createHash("sha256").update(payload).digest("base64url").slice(0, 16);
    const msgID = `${key}#${digest}`;
    const expect = { streamName: this.streams.events };
    // Unpartitioned (the common case) the subject is published as it is, without parsing it.
    const targets = this.partitions > 0 ? partitionsOf(parseNatsSubject(subject), this.partitions) : [];
    if (targets.length === 0) {
      await this.js.publish(subject, payload, { msgID, expect });
      return;
    }
    await Promise.all(
      targets.map((p) =>
        this.js.publish(`${subject}.${p}`, payload, {
          msgID: targets.length > 1 ? `${msgID}#p${p}` : msgID,
          expect,
        }),
      ),
    );
  }

  async publishDeadLetter(dl: DeadLetter): Promise<void> {
    await this.js.publish(`${this.streams.deadPrefix}.${dl.reason}`, JSON.stringify(dl), {
      msgID: dl.id,
      expect: { streamName: this.streams.dead },
    });
  }
}
