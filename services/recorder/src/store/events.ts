import { type StreamPosition, savePosition } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import { hourlyCounts } from "../domain/counts";
import { DEFAULT_HEALTH_GAP_MS, type Reading, readingOf } from "../domain/heartbeats";
import { conflictLetters, type RawRecord, splitFresh } from "../domain/records";
import { type AnyDb, type RecorderDatabase, recorderDb } from "./db";
import { insertDeadLetters } from "./dead-letters";
import { writeHeartbeats } from "./heartbeats";

export interface WriteResult {
  inserted: number;
  duplicates: number;
  conflicts: number;
}

/**
 * Writes a batch of events idempotently on their keys, dead-letters conflicting re-uses of a
 * key, rolls heartbeats up (exactly once per machine and seq, no raw row: `store/heartbeats.ts`),
 * and (when given) moves the consumer's stream position, all in one transaction.
 */
export async function writeEvents(
  db: AnyDb,
  records: RawRecord[],
  position: StreamPosition | undefined,
  now: Date,
  healthGapMs = DEFAULT_HEALTH_GAP_MS,
): Promise<WriteResult> {
  const beats = records.filter((r) => r.kind === "heartbeat");
  const others = beats.length === 0 ? records : records.filter((r) => r.kind !== "heartbeat");
  return recorderDb(db)
    .transaction()
    .execute(async (trx) => {
      // Heartbeats: rolled up, never a raw row or an event key (domain/heartbeats.ts).
      const freshBeats = await writeHeartbeats(trx, beats.map(readingOf), healthGapMs);
      const { fresh, rest } =
        others.length === 0 ? { fresh: [], rest: [] } : splitFresh(others, await insertKeys(trx, others));
      if (fresh.length > 0) await insertRawEvents(trx, fresh);
      const counted = freshBeats.length === 0 ? fresh : [...fresh, ...beats.filter(isIn(freshBeats))];
      if (counted.length > 0) await addCounts(trx, counted);
      let conflicts = 0;
      if (rest.length > 0) {
        const letters = conflictLetters(rest, await storedDigests(trx, rest), now);
        conflicts = letters.length;
        await insertDeadLetters(trx, letters);
      }
      if (position) await savePosition(trx, position);
      const inserted = fresh.length + freshBeats.length;
      return { inserted, duplicates: records.length - inserted - conflicts, conflicts };
    });
}

/** The records of the readings counted (by machine and seq). */
const isIn = (readings: readonly Reading[]) => {
  const keys = new Set(readings.map((r) => `${r.machineId}:${r.seq}`));
  return (r: RawRecord) => keys.delete(`${r.sourceId}:${r.seq}`);
};

/** Adds the records' keys to the idempotency index; returns the keys it did not hold yet. */
async function insertKeys(trx: Kysely<RecorderDatabase>, records: RawRecord[]): Promise<string[]> {
  // Arrays + unnest: one statement, three parameters, whatever the batch size.
  const fresh = await sql<{ event_key: string }>`
    INSERT INTO ingest.event_key (event_key, event_time, digest)
    SELECT * FROM unnest(${records.map((r) => r.key)}::text[], ${records.map((r) => r.time)}::timestamptz[], ${records.map((r) => r.digest)}::text[])
    ON CONFLICT (event_key) DO NOTHING
    RETURNING event_key`.execute(trx);
  return fresh.rows.map((r) => r.event_key);
}

async function insertRawEvents(trx: Kysely<RecorderDatabase>, records: RawRecord[]): Promise<void> {
  await sql`
    INSERT INTO ingest.raw_event (event_time, event_key, prison_id, source_id, seq, kind, payload)
    SELECT t, k, p, s, q, c, d::jsonb FROM unnest(
      ${records.map((r) => r.time)}::timestamptz[], ${records.map((r) => r.key)}::text[],
      ${records.map((r) => r.prisonId)}::text[], ${records.map((r) => r.sourceId)}::text[],
      ${records.map((r) => r.seq)}::bigint[], ${records.map((r) => r.kind)}::text[],
      ${records.map((r) => r.payload)}::text[]) AS x(t, k, p, s, q, c, d)
    ON CONFLICT DO NOTHING`.execute(trx);
}

/** The digest recorded for each of the records' keys. */
async function storedDigests(
  trx: Kysely<RecorderDatabase>,
  records: RawRecord[],
): Promise<Map<string, string>> {
  const stored = await trx
    .selectFrom("ingest.event_key")
    .select(["event_key", "digest"])
    .where(
      "event_key",
      "in",
      records.map((r) => r.key),
    )
    .execute();
  return new Map(stored.map((s) => [s.event_key, s.digest]));
}

/**
 * Operators read ingest counts, never raw events (migration 0017_operator_privacy): the counts of
 * the events this transaction stores, never an OAT register event (hourlyCounts).
 */
async function addCounts(trx: Kysely<RecorderDatabase>, fresh: RawRecord[]): Promise<void> {
  const counts = hourlyCounts(fresh);
  if (counts.length === 0) return;
  await sql`
    INSERT INTO ingest.event_count (bucket, prison_id, kind, events, last_event_time)
    SELECT * FROM unnest(${counts.map((c) => c.hour)}::timestamptz[], ${counts.map((c) => c.prisonId)}::text[],
      ${counts.map((c) => c.kind)}::text[], ${counts.map((c) => c.events)}::bigint[], ${counts.map((c) => c.last)}::timestamptz[])
    ON CONFLICT (bucket, prison_id, kind) DO UPDATE SET
      events = ingest.event_count.events + excluded.events,
      last_event_time = greatest(ingest.event_count.last_event_time, excluded.last_event_time)`.execute(trx);
}
