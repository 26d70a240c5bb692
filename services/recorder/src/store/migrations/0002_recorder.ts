import { type Kysely, sql } from "kysely";

/**
 * The recorder's bookkeeping. `event_key` is the idempotency index of every accepted event: a
 * plain table (a hypertable's unique keys must include its time column, and a re-used seq may
 * come with another time), holding a digest of the payload to tell a harmless redelivery from a
 * conflicting re-use of a seq. `stream_position` is each consumer's place in its stream,
 * written in the same transaction as its results (invariant 3).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ingest.event_key (
      event_key  text        PRIMARY KEY,
      event_time timestamptz NOT NULL,
      digest     text        NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE ingest.stream_position (
      consumer   text        PRIMARY KEY,
      stream     text        NOT NULL,
      stream_seq bigint      NOT NULL CHECK (stream_seq >= 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE ON ingest.event_key, ingest.stream_position TO hrvend_writer`.execute(
    db,
  );
  await sql`
    CREATE VIEW reporting.consumer_position AS
      SELECT consumer, stream, stream_seq, updated_at FROM ingest.stream_position`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW reporting.consumer_position`.execute(db);
  await sql`DROP TABLE ingest.stream_position, ingest.event_key`.execute(db);
}
