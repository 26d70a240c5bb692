import { type Kysely, sql } from "kysely";

export interface StreamPosition {
  consumer: string;
  stream: string;
  seq: number;
  /**
   * The position this batch follows (what the writer last committed or loaded). When given, the
   * move is a compare-and-set: if another instance moved the position meanwhile (a partition
   * taken over while this one stalled), nothing is written and PositionMovedError is thrown.
   */
  after?: number;
  /**
   * A parked message re-applied by this write (`hrvend parked retry`): marked resolved in the
   * same transaction. The position itself then stays where it is (seq = after = committed).
   */
  resolvesParked?: number;
}

/** Another instance committed this consumer's position: the caller no longer owns it. */
export class PositionMovedError extends Error {
  override readonly name = "PositionMovedError";
  constructor(
    readonly consumer: string,
    readonly expected: number,
  ) {
    super(
      `consumer ${consumer}'s position is no longer ${expected}: another instance took it over; this batch is not written`,
    );
  }
}

/**
 * Moves a consumer's stream position, inside the transaction that stores its results
 * (invariant 3). Never moves backwards; with `after`, only from that position.
 */
export async function savePosition(trx: Kysely<any>, p: StreamPosition): Promise<void> {
  await moveTo(trx, p);
  if (p.resolvesParked !== undefined)
    await sql`UPDATE ops.parked_message
              SET resolved_at = now(), retry_requested_at = NULL, retries = retries + 1, last_retry_error = NULL
              WHERE id = ${p.resolvesParked}`.execute(trx);
}

async function moveTo(trx: Kysely<any>, p: StreamPosition): Promise<void> {
  if (p.after === undefined) {
    await sql`
      INSERT INTO ingest.stream_position (consumer, stream, stream_seq) VALUES (${p.consumer}, ${p.stream}, ${p.seq})
      ON CONFLICT (consumer) DO UPDATE
        SET stream = excluded.stream,
            stream_seq = GREATEST(ingest.stream_position.stream_seq, excluded.stream_seq),
            updated_at = now()`.execute(trx);
    return;
  }
  const moved = await sql`
    INSERT INTO ingest.stream_position (consumer, stream, stream_seq) VALUES (${p.consumer}, ${p.stream}, ${p.seq})
    ON CONFLICT (consumer) DO UPDATE
      SET stream = excluded.stream, stream_seq = excluded.stream_seq, updated_at = now()
      WHERE ingest.stream_position.stream_seq = ${p.after}`.execute(trx);
  if (Number(moved.numAffectedRows ?? 0) !== 1) throw new PositionMovedError(p.consumer, p.after);
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
    // With the partitions' positions (`<consumer>-p<k>`).
    await sql`DELETE FROM ingest.stream_position
              WHERE consumer = ${o.consumer} OR consumer ~ ${`^${o.consumer}-p[0-9]+$`}`.execute(trx);
    return names;
  });
}
