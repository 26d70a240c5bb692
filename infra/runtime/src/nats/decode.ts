import type { HrEvent } from "@hrvend/schemas";

/**
 * The one decoder of stream messages every consumer uses. Invalid UTF-8 becomes U+FFFD (as
 * `Buffer#toString` does), so the JSON parser, not the decoder, decides; a SyntaxError here is a
 * poison message (`nats/failure.ts`) and is parked, never retried.
 */
export function decodeJson(m: { data: Uint8Array }, opts: { strictUtf8?: boolean } = {}): unknown {
  if (opts.strictUtf8) return JSON.parse(STRICT.decode(m.data));
  return JSON.parse(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString("utf8"));
}

/** `strictUtf8`: invalid UTF-8 anywhere throws a TypeError (poison) instead of becoming U+FFFD. */
const STRICT = new TextDecoder("utf-8", { fatal: true });

/**
 * An event as the gateway admitted it onto an events stream: validated against the contract
 * there (`@hrvend/schemas`), so consumers do not validate it again.
 */
export const decodeEvent = (m: { data: Uint8Array }): HrEvent => decodeJson(m) as HrEvent;

/** Every message of a batch, in order. */
export const decodeEvents = (batch: readonly { data: Uint8Array }[]): HrEvent[] => batch.map(decodeEvent);
