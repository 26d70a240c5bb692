import { createHash } from "node:crypto";
import { DEAD_LETTER_EXCERPT_BYTES, type DeadLetter, type RejectReason, storableText } from "@hrvend/schemas";

/**
 * The record kept for a rejected message. The id is a hash of topic and bytes, so a broker's
 * redelivery of the same bad message after a gateway crash is stored once.
 */
export function deadLetter(
  topic: string,
  payload: Uint8Array,
  reason: RejectReason,
  message: string,
  receivedAt: Date,
): DeadLetter {
  const id = createHash("sha256").update(topic).update("\0").update(payload).digest("hex").slice(0, 32);
  const levels = topic.split("/");
  return {
    id,
    receivedAt: receivedAt.toISOString(),
    reason,
    // The reason is built from the contract's words, never from payload bytes (which may hold a
    // card UID): only the excerpt keeps those, as bytes, where no reporting view reads them.
    message: storableText(message.slice(0, 4000)),
    topic: storableText(topic.slice(0, 1024)),
    // The broker's ACL ties the source level of a topic (hr/v1/<prison>/<type>/<source>/<kind>)
    // to the authenticated client.
    source: levels.length >= 5 ? storableText(levels[4] ?? "") : null,
    payloadBytes: payload.byteLength,
    payloadExcerptBase64: Buffer.from(payload.subarray(0, DEAD_LETTER_EXCERPT_BYTES)).toString("base64"),
  };
}
