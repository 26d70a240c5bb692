import { hash } from "node:crypto";
import { type DeadLetter, parseNatsSubject, partitionsOf } from "@hrvend/schemas";
import type { JetStreamAcks } from "./jetstream-acks";

/** Thin adapter: accepted events and dead letters into their JetStream streams. */
export class StreamPublisher {
  constructor(
    private readonly js: Pick<JetStreamAcks, "publish">,
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
   * The message is queued for the NATS connection before this returns (no await before it), so a
   * connection's events reach the stream in the order they came.
   */
  publishEvent(subject: string, key: string, payload: Uint8Array): Promise<void> {
    const digest = hash("sha256", payload, "base64url").slice(0, 16);
    const msgID = `${key}#${digest}`;
    const stream = this.streams.events;
    // Unpartitioned (the common case) the subject is published as it is, without parsing it.
    const targets = this.partitions > 0 ? partitionsOf(parseNatsSubject(subject), this.partitions) : [];
    if (targets.length === 0) return this.js.publish(subject, payload, msgID, stream);
    return Promise.all(
      targets.map((p) =>
        this.js.publish(`${subject}.${p}`, payload, targets.length > 1 ? `${msgID}#p${p}` : msgID, stream),
      ),
    ).then(() => undefined);
  }

  publishDeadLetter(dl: DeadLetter): Promise<void> {
    return this.js.publish(
      `${this.streams.deadPrefix}.${dl.reason}`,
      JSON.stringify(dl),
      dl.id,
      this.streams.dead,
    );
  }
}
