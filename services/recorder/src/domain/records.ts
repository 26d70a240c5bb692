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
  /** Digest of the payload's bytes ("" for a heartbeat: no raw row, nothing to compare it with). */
  digest: string;
  payload: string;
  /** A heartbeat's decoded fields, when the consume step decoded it (else its payload is parsed). */
  heartbeat?: object;
}

/**
 * The record of one event: its key, source and time from the event, the exact text it came as,
 * and the digest of its bytes (`to-record.ts` computes it: a device replay sends the same bytes,
 * a re-used seq does not).
 */
export function recordOf(e: HrEvent, payload: string, digest: string): RawRecord {
  return {
    key: eventKey(e),
    time: eventTime(e),
    prisonId: e.prisonId,
    sourceId: eventSource(e),
    seq: e.seq,
    kind: e.kind,
    digest,
    payload,
  };
}

/** The records whose key this transaction stored first (`fresh`), and the rest (already recorded). */
export function splitFresh(
  records: readonly RawRecord[],
  freshKeys: Iterable<string>,
): { fresh: RawRecord[]; rest: RawRecord[] } {
  const keys = new Set(freshKeys);
  const fresh: RawRecord[] = [];
  const rest: RawRecord[] = [];
  // A key stored first is fresh once: a second record with it in the same batch is a re-use.
  for (const r of records) {
    if (keys.delete(r.key)) fresh.push(r);
    else rest.push(r);
  }
  return { fresh, rest };
}

/**
 * The dead letters for records whose key was already recorded with other content (`stored`: the
 * digest recorded per key); the same bytes again are a harmless duplicate.
 */
export function conflictLetters(
  rest: readonly RawRecord[],
  stored: ReadonlyMap<string, string>,
  receivedAt: Date,
): DeadLetter[] {
  return rest.flatMap((r) => {
    const d = stored.get(r.key);
    return d !== undefined && d !== r.digest ? [conflictLetter(r, d, receivedAt)] : [];
  });
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
