import { z } from "zod";

/** Bytes of a rejected payload kept for inspection: enough to see what was sent, bounded. */
export const DEAD_LETTER_EXCERPT_BYTES = 1024;

/**
 * A rejected input as the gateway publishes it to the dead-letter stream, and as the recorder
 * stores it. `source` is the topic's source segment: the broker's ACL ties it to the
 * authenticated client (MQTT 3.1.1 does not tell a subscriber the publisher's client id).
 */
export const DeadLetter = z.strictObject({
  id: z.string().min(1).max(128),
  receivedAt: z.iso.datetime({ offset: true }),
  reason: z.enum([
    "oversize",
    "malformed_json",
    "schema",
    "unknown_kind",
    "bad_topic",
    "topic_mismatch",
    "wrong_source_type",
    "unknown_machine",
    "future_clock",
    "duplicate_seq",
  ]),
  message: z.string().max(4000),
  topic: z.string().max(1024).nullable(),
  source: z.string().max(256).nullable(),
  payloadBytes: z.int().min(0),
  payloadExcerpt: z
    .string()
    .max(DEAD_LETTER_EXCERPT_BYTES * 4)
    .nullable(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
