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
  /**
   * The payload's first bytes, base64: any bytes travel and store (NUL, invalid UTF-8). Only the
   * dead-letter table keeps them; no reporting view shows them.
   */
  payloadExcerptBase64: z
    .base64()
    .max(Math.ceil(DEAD_LETTER_EXCERPT_BYTES / 3) * 4)
    .nullable()
    .optional(),
  /** Before issue #14: the excerpt decoded as UTF-8 text. Still read from older dead-letter streams. */
  payloadExcerpt: z
    .string()
    .max(DEAD_LETTER_EXCERPT_BYTES * 4)
    .nullable()
    .optional(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** The excerpt's bytes, whichever form the dead letter carries. */
export function deadLetterExcerpt(dl: DeadLetter): Buffer | null {
  if (dl.payloadExcerptBase64 != null) return Buffer.from(dl.payloadExcerptBase64, "base64");
  if (dl.payloadExcerpt != null) return Buffer.from(dl.payloadExcerpt, "utf8");
  return null;
}

/**
 * Text PostgreSQL can store: NUL and unpaired surrogates become U+FFFD. For the dead letter's own
 * texts (reason, topic, source), which must never stall the dead-letter recorder.
 */
export function storableText(s: string): string {
  return (s.replaceAll("\0", "\uFFFD") as unknown as { toWellFormed(): string }).toWellFormed();
}
