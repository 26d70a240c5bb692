import { type Database, type StreamPosition, savePosition } from "@hrvend/runtime/db";
import { type DeadLetter, deadLetterExcerpt, storableText } from "@hrvend/schemas";
import { type Kysely, sql, type Transaction } from "kysely";
import { hourlyCounts } from "./counts";
import { conflictLetter, type RawRecord } from "./records";

export interface WriteResult {
  inserted: number;
  duplicates: number;
  conflicts: number;
}

/**
 * Writes a batch of events idempotently on their keys, dead-letters conflicting re-uses of a
 * key, and (when given) moves the consumer's stream position, all in one transaction.
 */
export async function writeEvents(
  db: Kysely<Database>,
  records: RawRecord[],
  position: StreamPosition | undefined,
  now: Date,
): Promise<WriteResult> {
  return db.transaction().execute(async (trx) => {
    // Arrays + unnest: one statement, three parameters, whatever the batch size.
    const fresh = await sql<{ event_key: string }>`
      INSERT INTO ingest.event_key (event_key, event_time, digest)
      SELECT * FROM unnest(${records.map((r) => r.key)}::text[], ${records.map((r) => r.time)}::timestamptz[], ${records.map((r) => r.digest)}::text[])
      ON CONFLICT (event_key) DO NOTHING
      RETURNING event_key`.execute(trx);
    const freshKeys = new Set(fresh.rows.map((r) => r.event_key));
    const toInsert: RawRecord[] = [];
    const rest: RawRecord[] = [];
    for (const r of records) {
      if (freshKeys.delete(r.key)) toInsert.push(r);
      else rest.push(r);
    }
    if (toInsert.length > 0) {
      await sql`
        INSERT INTO ingest.raw_event (event_time, event_key, prison_id, source_id, seq, kind, payload)
        SELECT t, k, p, s, q, c, d::jsonb FROM unnest(
          ${toInsert.map((r) => r.time)}::timestamptz[], ${toInsert.map((r) => r.key)}::text[],
          ${toInsert.map((r) => r.prisonId)}::text[], ${toInsert.map((r) => r.sourceId)}::text[],
          ${toInsert.map((r) => r.seq)}::bigint[], ${toInsert.map((r) => r.kind)}::text[],
          ${toInsert.map((r) => r.payload)}::text[]) AS x(t, k, p, s, q, c, d)
        ON CONFLICT DO NOTHING`.execute(trx);
      await addCounts(trx, toInsert);
    }
    let conflicts = 0;
    if (rest.length > 0) {
      const stored = await trx
        .selectFrom("ingest.event_key")
        .select(["event_key", "digest"])
        .where(
          "event_key",
          "in",
          rest.map((r) => r.key),
        )
        .execute();
      const digestOf = new Map(stored.map((s) => [s.event_key, s.digest]));
      const letters = rest.flatMap((r) => {
        const d = digestOf.get(r.key);
        return d !== undefined && d !== r.digest ? [conflictLetter(r, d, now)] : [];
      });
      conflicts = letters.length;
      await insertDeadLetters(trx, letters);
    }
    if (position) await savePosition(trx, position);
    return { inserted: toInsert.length, duplicates: rest.length - conflicts, conflicts };
  });
}

/**
 * Operators read ingest counts, never raw events (migration 0017_operator_privacy): the counts of
 * the events this transaction stores, never an OAT register event (hourlyCounts).
 */
async function addCounts(trx: Transaction<Database>, fresh: RawRecord[]): Promise<void> {
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

export async function writeDeadLetters(
  db: Kysely<Database>,
  letters: DeadLetter[],
  position: StreamPosition,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await insertDeadLetters(trx, letters);
    await savePosition(trx, position);
  });
}

async function insertDeadLetters(trx: Transaction<Database>, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await trx
    .insertInto("ingest.dead_letter")
    .values(
      letters.map((l) => ({
        received_at: l.receivedAt,
        id: l.id,
        reason: l.reason,
        // Texts that PostgreSQL cannot hold (NUL, unpaired surrogates) must not stall this
        // consumer; the payload's bytes go to bytea as they are.
        message: storableText(l.message),
        topic: l.topic === null ? null : storableText(l.topic),
        source: l.source === null ? null : storableText(l.source),
        payload_bytes: l.payloadBytes,
        payload_excerpt: deadLetterExcerpt(l),
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}
