import { type Kysely, sql } from "kysely";

export interface StreamPosition {
  consumer: string;
  stream: string;
  seq: number;
}

/**
 * Moves a consumer's stream position, inside the transaction that stores its results
 * (invariant 3). Never moves backwards.
 */
export async function savePosition(trx: Kysely<any>, p: StreamPosition): Promise<void> {
  await sql`
    INSERT INTO ingest.stream_position (consumer, stream, stream_seq) VALUES (${p.consumer}, ${p.stream}, ${p.seq})
    ON CONFLICT (consumer) DO UPDATE
      SET stream = excluded.stream,
          stream_seq = GREATEST(ingest.stream_position.stream_seq, excluded.stream_seq),
          updated_at = now()`.execute(trx);
}

/** The stream sequence a consumer has committed (0 when it never ran). */
export async function committedSeq(db: Kysely<any>, consumer: string): Promise<number> {
  const r = await sql<{ stream_seq: string }>`
    SELECT stream_seq FROM ingest.stream_position WHERE consumer = ${consumer}`.execute(db);
  return r.rows[0] ? Number(r.rows[0].stream_seq) : 0;
}

/**
 * Forgets everything a stateful service derived from the stream, so that it rebuilds its tables
 * from the first message: in one transaction, empties every table of the service's own schema
 * and removes its stream position (its durable consumer is recreated from that position when
 * the service starts). Tables in `keep` hold configuration, not derived data, and stay. Returns
 * the tables emptied. Needs a role that owns those tables.
 */
export async function resetConsumer(
  db: Kysely<any>,
  o: { schema: string; consumer: string; keep?: readonly string[] },
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const tables = await sql<{ t: string }>`
      SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
      WHERE schemaname = ${o.schema} AND NOT (tablename = ANY(${[...(o.keep ?? [])]}::text[]))
      ORDER BY tablename`.execute(trx);
    const names = tables.rows.map((r) => r.t);
    if (names.length > 0) await sql`TRUNCATE ${sql.raw(names.join(", "))}`.execute(trx);
    await sql`DELETE FROM ingest.stream_position WHERE consumer = ${o.consumer}`.execute(trx);
    return names;
  });
}
