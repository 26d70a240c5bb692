import { DEAD_LETTER_EXCERPT_BYTES, type DeadLetter, type RejectReason, storableText } from "@hrvend/schemas";

/**
 * What a dead letter may hold of a rejected message (`id`: see `adapters/dead-letter.ts`). The
 * reason is built from the contract's words, never from payload bytes (which may hold a card UID):
 * only the excerpt keeps those, as bytes, where no reporting view reads them.
 */
export function deadLetterRecord(
  id: string,
  topic: string,
  payload: Uint8Array,
  reason: RejectReason,
  message: string,
  receivedAt: Date,
): DeadLetter {
  const levels = topic.split("/");
  return {
    id,
    receivedAt: receivedAt.toISOString(),
    reason,
    message: storableText(message.slice(0, 4000)),
    topic: storableText(topic.slice(0, 1024)),
    // The broker's ACL ties the source level of a topic (hr/v1/<prison>/<type>/<source>/<kind>)
    // to the authenticated client.
    source: levels.length >= 5 ? storableText(levels[4] ?? "") : null,
    payloadBytes: payload.byteLength,
    payloadExcerptBase64: Buffer.from(payload.subarray(0, DEAD_LETTER_EXCERPT_BYTES)).toString("base64"),
  };
}
