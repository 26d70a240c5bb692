import { createHash } from "node:crypto";
import {
  DEAD_LETTER_EXCERPT_BYTES,
  type DeadLetter,
  eventKey,
  eventSource,
  eventTime,
  type HrEvent,
} from "@hrvend/schemas";

/** One accepted event as the recorder stores it. */
export interface RawRecord {
  key: string;
  time: string;
  prisonId: string;
  sourceId: string;
  seq: number;
  kind: string;
  digest: string;
  payload: string;
}

/** Digest of the exact bytes: a device replay sends the same bytes, a re-used seq does not. */
export function digestOf(payload: Uint8Array | string): string {
  return createHash("sha256").update(payload).digest("base64url").slice(0, 22);
}

/**
 * Events in the stream were validated by the gateway (the contract's edge), so the recorder
 * only decodes them; a message that does not decode is a bug upstream and fails loudly.
 */
export function toRecord(payload: Uint8Array | string): RawRecord {
  const text = typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8");
  const e = JSON.parse(text) as HrEvent;
  return {
    key: eventKey(e),
    time: eventTime(e),
    prisonId: e.prisonId,
    sourceId: eventSource(e),
    seq: e.seq,
    kind: e.kind,
    digest: digestOf(payload),
    payload: text,
  };
}

/** The dead letter for an event whose key was already recorded with other content. */
export function conflictLetter(r: RawRecord, storedDigest: string, receivedAt: Date): DeadLetter {
  return {
    id: `dup-${r.key}-${r.digest}`,
    receivedAt: receivedAt.toISOString(),
    reason: "duplicate_seq",
    message: `seq ${r.seq} of '${r.sourceId}' was already recorded with different content (digest ${storedDigest}, this one ${r.digest}); the first one stands`,
    topic: null,
    source: r.sourceId,
    payloadBytes: Buffer.byteLength(r.payload),
    payloadExcerptBase64: Buffer.from(r.payload).subarray(0, DEAD_LETTER_EXCERPT_BYTES).toString("base64"),
  };
}
