import { createHash } from "node:crypto";
import type { HrEvent } from "@hrvend/schemas";
import { type RawRecord, recordOf } from "./domain/records";

/** Digest of the exact bytes: a device replay sends the same bytes, a re-used seq does not. */
export function digestOf(payload: Uint8Array | string): string {
  return createHash("sha256").update(payload).digest("base64url").slice(0, 22);
}

/**
 * The record of one message as it came. Events in the stream were validated by the gateway (the
 * contract's edge), so the recorder only decodes them (`event`: already decoded by the consume
 * step with `decodeEvents`); a message that does not decode is a bug upstream and fails loudly.
 * A heartbeat gets no digest (it is rolled up, never stored raw: `domain/heartbeats.ts`) and
 * carries its decoded fields.
 */
export function toRecord(payload: Uint8Array | string, event?: HrEvent): RawRecord {
  const text = typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8");
  const e = event ?? (JSON.parse(text) as HrEvent);
  if (e.kind === "heartbeat") return { ...recordOf(e, text, ""), heartbeat: e };
  return recordOf(e, text, digestOf(payload));
}
