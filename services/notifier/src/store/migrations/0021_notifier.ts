import { type Kysely, sql } from "kysely";

/**
 * The notifier service (issue #17): it consumes HR_ALERTS and tells people. Its own schema and its
 * own login role `hrvend_notifier` (password from the deployment's secrets, DB_ROLES), which can
 * do exactly what the service needs:
 *
 * - `notifier.alert`: each alert as the stream told it (raised, acknowledged, cleared) and what the
 *   notifier has done about it (first notified, escalated to, reminders);
 * - `notifier.outbox`: one row per (alert step, contact), primary key `step_key`, inserted
 *   idempotently, sent, then marked sent; a quiet-hours row is held and later folded into one
 *   morning digest (a row of its own);
 * - `notifier.stream_position` and `notifier.rejected_alert`: the consumer's committed position
 *   (its own table: the role cannot move another consumer's position in `ingest`) and the alert
 *   messages it could not read (kept without payload bytes, the flow goes on).
 *
 * It reads `reorder.prison`'s time zones (quiet hours are in the prison's time zone) through a
 * policy of its own (that table has row-level security since 0010_audiences). Operators read
 * delivery health through `reporting.notifier_outbox()` (no address, no message text).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hrvend_notifier') THEN
        BEGIN
          CREATE ROLE hrvend_notifier NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
      END IF;
    END $$`.execute(db);

  await sql`CREATE SCHEMA notifier`.execute(db);
  await sql`REVOKE ALL ON SCHEMA notifier FROM PUBLIC`.execute(db);
  await sql`
    CREATE TABLE notifier.alert (
      alert_id          text        PRIMARY KEY,
      prison_id         text        NOT NULL,
      machine_id        text        NOT NULL,
      slot_id           text,
      type              text        NOT NULL,
      detail            text        NOT NULL,
      raised_at         timestamptz NOT NULL,
      acknowledged_at   timestamptz,
      cleared_at        timestamptz,
      first_notified_at timestamptz,
      escalated_to      integer     NOT NULL DEFAULT 0 CHECK (escalated_to >= 0),
      reminders         integer     NOT NULL DEFAULT 0 CHECK (reminders >= 0),
      ack_notified      boolean     NOT NULL DEFAULT false,
      closed            boolean     NOT NULL DEFAULT false,
      updated_at        timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX alert_open ON notifier.alert (raised_at, alert_id) WHERE NOT closed`.execute(db);
  await sql`
    CREATE TABLE notifier.outbox (
      id              bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
      step_key        text        PRIMARY KEY,
      alert_id        text,
      step            text        NOT NULL,
      contact_id      text        NOT NULL,
      channel         text        NOT NULL CHECK (channel IN ('email', 'webhook')),
      address         text        NOT NULL,
      message_id      text        NOT NULL UNIQUE,
      subject         text        NOT NULL,
      body            text        NOT NULL,
      payload         jsonb       NOT NULL,
      status          text        NOT NULL CHECK (status IN ('pending', 'held', 'digested', 'sent', 'failed')),
      hold_until      timestamptz,
      digest_key      text,
      attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      next_attempt_at timestamptz NOT NULL,
      last_error      text,
      created_at      timestamptz NOT NULL,
      sent_at         timestamptz,
      CHECK (status <> 'held' OR hold_until IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX outbox_due ON notifier.outbox (next_attempt_at) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX outbox_held ON notifier.outbox (hold_until) WHERE status = 'held'`.execute(db);
  await sql`
    CREATE TABLE notifier.stream_position (
      consumer   text        PRIMARY KEY,
      stream     text        NOT NULL,
      stream_seq bigint      NOT NULL CHECK (stream_seq >= 0),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE notifier.rejected_alert (
      stream      text        NOT NULL,
      stream_seq  bigint      NOT NULL,
      subject     text        NOT NULL,
      reason      text        NOT NULL,
      rejected_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (stream, stream_seq)
    )`.execute(db);

  await sql`GRANT USAGE ON SCHEMA notifier TO hrvend_notifier`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE ON notifier.alert, notifier.outbox, notifier.stream_position TO hrvend_notifier`.execute(
    db,
  );
  await sql`GRANT SELECT, INSERT ON notifier.rejected_alert TO hrvend_notifier`.execute(db);
  // Prison time zones for quiet hours: two columns, every row (RLS since 0010_audiences).
  await sql`GRANT USAGE ON SCHEMA reorder TO hrvend_notifier`.execute(db);
  await sql`GRANT SELECT (prison_id, time_zone) ON reorder.prison TO hrvend_notifier`.execute(db);
  await sql`CREATE POLICY notifier_time_zones ON reorder.prison FOR SELECT TO hrvend_notifier USING (true)`.execute(
    db,
  );

  // Pipeline health for operators: deliveries by channel and status, retries, the oldest waiting.
  // Never an address, a subject or a body (staff addresses, alert text).
  await sql`
    CREATE FUNCTION reporting.notifier_outbox()
    RETURNS TABLE (channel text, status text, messages bigint, attempts bigint, oldest_created_at timestamptz,
                   next_attempt_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER ROWS 10 SET search_path = pg_catalog, pg_temp AS $$
      SELECT o.channel, o.status, count(*), sum(o.attempts), min(o.created_at),
             min(o.next_attempt_at) FILTER (WHERE o.status = 'pending')
      FROM notifier.outbox o GROUP BY 1, 2 ORDER BY 1, 2
    $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION reporting.notifier_outbox() FROM PUBLIC`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION reporting.notifier_outbox() TO hrvend_operator`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION reporting.notifier_outbox()`.execute(db);
  await sql`DROP POLICY notifier_time_zones ON reorder.prison`.execute(db);
  await sql`REVOKE ALL ON reorder.prison FROM hrvend_notifier`.execute(db);
  await sql`REVOKE ALL ON SCHEMA reorder FROM hrvend_notifier`.execute(db);
  await sql`DROP SCHEMA notifier CASCADE`.execute(db);
}
