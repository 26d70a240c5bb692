import { type Kysely, sql } from "kysely";

/**
 * The stock service stays live and right (issue #16):
 *
 * - one active alert per (machine, slot, type), enforced by a unique partial index (reminders,
 *   clears and the live timer run concurrently; duplicates from before are closed first);
 * - acknowledgements as events of the stream (`alert_ack` from the operator source), kept per
 *   event so a rebuild re-applies them to the alerts it raises again;
 * - each prison's time zone (from `ref_prison`), for local days across DST changes;
 * - seqs the gateway dead-lettered (from the dead-letter stream; not emptied by a rebuild, which
 *   re-reads only the events stream) and the gaps the service skipped, with why, for operators.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE stock.alert a SET cleared_at = GREATEST(a.raised_at, later.raised_at)
    FROM stock.alert later
    WHERE a.cleared_at IS NULL AND later.cleared_at IS NULL AND a.alert_id <> later.alert_id
      AND a.machine_id = later.machine_id AND a.type = later.type
      AND COALESCE(a.slot_id, '') = COALESCE(later.slot_id, '')
      AND (a.raised_at, a.alert_id) < (later.raised_at, later.alert_id)`.execute(db);
  await sql`
    CREATE UNIQUE INDEX alert_one_active ON stock.alert (machine_id, COALESCE(slot_id, ''), type)
    WHERE cleared_at IS NULL`.execute(db);
  await sql`
    CREATE TABLE stock.alert_ack (
      event_key       text PRIMARY KEY,
      alert_id        text        NOT NULL,
      prison_id       text        NOT NULL,
      machine_id      text        NOT NULL,
      acknowledged_by text        NOT NULL,
      acknowledged_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX alert_ack_alert ON stock.alert_ack (alert_id, acknowledged_at)`.execute(db);
  await sql`
    CREATE TABLE stock.prison (
      prison_id text PRIMARY KEY,
      time_zone text NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE stock.dead_seq (
      machine_id  text        NOT NULL,
      seq         bigint      NOT NULL,
      reason      text        NOT NULL,
      received_at timestamptz NOT NULL,
      PRIMARY KEY (machine_id, seq)
    )`.execute(db);
  await sql`
    CREATE TABLE stock.seq_gap (
      machine_id text        NOT NULL,
      from_seq   bigint      NOT NULL,
      to_seq     bigint      NOT NULL,
      prison_id  text,
      reason     text        NOT NULL CHECK (reason IN ('dead_letter', 'bound', 'overflow')),
      skipped_at timestamptz NOT NULL,
      PRIMARY KEY (machine_id, from_seq)
    )`.execute(db);
  await sql`
    GRANT SELECT, INSERT, UPDATE, DELETE ON stock.alert_ack, stock.prison, stock.dead_seq, stock.seq_gap
    TO hrvend_writer`.execute(db);
  // Operators (pipeline health): which machine's seqs were passed over, when and why. No payload.
  await sql`
    CREATE VIEW reporting.stock_seq_gap AS
      SELECT g.prison_id, g.machine_id, g.from_seq, g.to_seq, g.to_seq - g.from_seq + 1 AS seqs, g.reason, g.skipped_at
      FROM stock.seq_gap g`.execute(db);
  await sql`
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hrvend_operator') THEN
        GRANT SELECT ON reporting.stock_seq_gap TO hrvend_operator;
      END IF;
    END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW reporting.stock_seq_gap`.execute(db);
  await sql`DROP TABLE stock.seq_gap, stock.dead_seq, stock.prison, stock.alert_ack`.execute(db);
  await sql`DROP INDEX stock.alert_one_active`.execute(db);
}
