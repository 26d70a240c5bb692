import { createHash } from "node:crypto";
import type { DeadLetter, RejectReason } from "@hrvend/schemas";
import { deadLetterRecord } from "../domain/dead-letter";

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
  return deadLetterRecord(id, topic, payload, reason, message, receivedAt);
}
