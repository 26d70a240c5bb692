import { type Kysely, sql } from "kysely";

/**
 * Parked messages (invariant 6): what a consumer could not apply (a poison message, or one that
 * failed a bounded number of tries), with its consumer, stream position, subject, event key and
 * the error (class, code, message without payload bytes). The raw data is kept as bytea (a NUL
 * or invalid UTF-8 cannot stall the parking itself) in `ops`, which only the writer role reads:
 * an operator inspects it with `hrvend parked show`. One row per (consumer, stream, seq): a
 * replay that parks the same message again updates it. `retry_requested_at` is set by
 * `hrvend parked retry`; the consumer that parked it re-applies it through its own write path
 * and sets `resolved_at` in that write's transaction. Grafana (operator audience) reads
 * `reporting.parked_message`, which has neither the data nor anything from it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ops`.execute(db);
  await sql`REVOKE ALL ON SCHEMA ops FROM PUBLIC`.execute(db);
  await sql`
    CREATE TABLE ops.parked_message (
      id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      consumer           text        NOT NULL,
      stream             text        NOT NULL,
      stream_seq         bigint      NOT NULL CHECK (stream_seq > 0),
      subject            text        NOT NULL,
      event_key          text,
      verdict            text        NOT NULL CHECK (verdict IN ('poison', 'exhausted')),
      error_class        text        NOT NULL,
      error_code         text        NOT NULL,
      error_message      text        NOT NULL,
      tries              integer     NOT NULL CHECK (tries >= 1),
      data               bytea       NOT NULL,
      parked_at          timestamptz NOT NULL DEFAULT now(),
      retry_requested_at timestamptz,
      retries            integer     NOT NULL DEFAULT 0,
      last_retry_error   text,
      resolved_at        timestamptz,
      UNIQUE (consumer, stream, stream_seq)
    )`.execute(db);
  await sql`CREATE INDEX parked_message_open ON ops.parked_message (consumer, parked_at) WHERE resolved_at IS NULL`.execute(
    db,
  );
  await sql`GRANT USAGE ON SCHEMA ops TO hrvend_writer`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE ON ops.parked_message TO hrvend_writer`.execute(db);
  await sql`
    CREATE VIEW reporting.parked_message AS
      SELECT id, consumer, stream, stream_seq, subject, event_key, verdict, error_class, error_code,
             error_message, tries, parked_at, retry_requested_at, retries, resolved_at
      FROM ops.parked_message`.execute(db);
  // The operator audience (0010_audiences creates the role).
  await sql`GRANT SELECT ON reporting.parked_message TO hrvend_operator`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW reporting.parked_message`.execute(db);
  await sql`DROP TABLE ops.parked_message`.execute(db);
  await sql`DROP SCHEMA ops`.execute(db);
}
