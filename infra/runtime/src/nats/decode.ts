import type { HrEvent } from "@hrvend/schemas";

/**
 * The one decoder of stream messages every consumer uses. Invalid UTF-8 becomes U+FFFD (as
 * `Buffer#toString` does), so the JSON parser, not the decoder, decides; a SyntaxError here is a
 * poison message (`nats/failure.ts`) and is parked, never retried.
 */
export function decodeJson(m: { data: Uint8Array }): unknown {
  return JSON.parse(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString("utf8"));
}

/**
 * An event as the gateway admitted it onto an events stream: validated against the contract
 * there (`@hrvend/schemas`), so consumers do not validate it again.
 */
export const decodeEvent = (m: { data: Uint8Array }): HrEvent => decodeJson(m) as HrEvent;

/** Every message of a batch, in order. */
export const decodeEvents = (batch: readonly { data: Uint8Array }[]): HrEvent[] => batch.map(decodeEvent);
