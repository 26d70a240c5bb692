import { type Kysely, sql } from "kysely";

/**
 * Nothing an operator can execute touches a per-person health row (issue #15).
 *
 * 0016 hid OAT register events from the planner, not from the executor: as hrvend_operator,
 * `EXPLAIN (ANALYZE, BUFFERS)` of `reporting.pipeline_counts(day, day + 1, '1 hour')` read as many
 * pages of ingest.raw_event as the day's events took, OAT rows included, so the buffer counts (and
 * the time) told a busy OAT day from a quiet one. Dead letters and parked messages of the health
 * unit were rows an operator read (time, topic, subject).
 *
 * Operators now read only tables that no OAT register event ever touches:
 * - `ingest.event_count`: events per hour of event time, prison and kind, never kind 'oat' (a
 *   CHECK holds it), kept by the recorder in the transaction that stores the raw events
 *   (services/recorder/src/domain/counts.ts). `reporting.pipeline_counts` and `pipeline_latest` read it;
 *   counts are per whole hour, every hour that starts before `to` and ends after `from` (a bucket
 *   shorter than an hour shows each hour at its start).
 * - `ingest.dead_letter_shown` and `ops.parked_shown`: copies, kept by triggers in the same
 *   transaction, of the dead letters and parked messages that are not the health unit's
 *   (`ingest.oat_register_bytes`: topic under `health_unit`, a subject or payload of kind 'oat').
 *   The views operators read, `reporting.dead_letter_recent` and `reporting.parked_message`,
 *   read the copies. The database owner still inspects every one (`hrvend parked list|show`).
 * - Stream positions: `reporting.consumer_position` and `reporting.parked_message` lose the
 *   absolute `stream_seq` (it counts every message of the stream, OAT included: a position
 *   minus the visible counts is the OAT count). Operators get each consumer's lag behind the
 *   most advanced consumer of its stream instead.
 */
const OAT_TOPIC = `coalesce(p_topic, '') LIKE '%/health\\_unit/%' OR coalesce(p_topic, '') ~ '/oat$'`;

export async function up(db: Kysely<unknown>): Promise<void> {
  // ---- ingest counts ----
  await sql`
    CREATE TABLE ingest.event_count (
      bucket          timestamptz NOT NULL,
      prison_id       text        NOT NULL,
      kind            text        NOT NULL CHECK (kind <> 'oat'),
      events          bigint      NOT NULL CHECK (events > 0),
      last_event_time timestamptz NOT NULL,
      PRIMARY KEY (bucket, prison_id, kind)
    )`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE ON ingest.event_count TO hrvend_writer`.execute(db);
  await sql`
    INSERT INTO ingest.event_count (bucket, prison_id, kind, events, last_event_time)
    SELECT public.time_bucket(INTERVAL '1 hour', event_time), prison_id, kind, count(*), max(event_time)
    FROM ingest.raw_event WHERE kind <> 'oat' GROUP BY 1, 2, 3`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION reporting.pipeline_counts(p_from timestamptz, p_to timestamptz, p_bucket interval)
    RETURNS TABLE (bucket timestamptz, prison_id text, kind text, events bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100
    SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF p_from IS NULL OR p_to IS NULL OR p_bucket IS NULL THEN
        RAISE EXCEPTION 'pipeline_counts: from, to and bucket are required (got %, %, %)', p_from, p_to, p_bucket
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF p_bucket <= INTERVAL '0' THEN
        RAISE EXCEPTION 'pipeline_counts: bucket must be positive (got %)', p_bucket
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      -- Whole hours: every hour that starts before 'to' and ends after 'from' (an export of days
      -- from midnight to midnight gets those days' hours, not the next day's first).
      RETURN QUERY
        SELECT public.time_bucket(p_bucket, c.bucket), c.prison_id, c.kind, sum(c.events)::bigint
        FROM ingest.event_count c
        WHERE c.bucket >= public.time_bucket(INTERVAL '1 hour', p_from) AND c.bucket < p_to
        GROUP BY 1, 2, 3;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION reporting.pipeline_latest() RETURNS timestamptz
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT max(c.last_event_time) FROM ingest.event_count c
    $$`.execute(db);

  // ---- what is the health unit's, among dead letters and parked messages ----
  await sql`
    CREATE FUNCTION ingest.oat_register_bytes(p_topic text, p_bytes bytea) RETURNS boolean
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
      -- An OAT event is small: a dead letter's 1 KiB excerpt holds all of it.
      SELECT ${sql.raw(OAT_TOPIC)}
        OR position('"oat"'::bytea IN coalesce(p_bytes, ''::bytea)) > 0
        OR position('health_unit'::bytea IN coalesce(p_bytes, ''::bytea)) > 0
    $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION ingest.oat_register_bytes(text, bytea) FROM PUBLIC`.execute(db);

  // ---- dead letters ----
  await sql`
    CREATE TABLE ingest.dead_letter_shown (
      received_at   timestamptz NOT NULL,
      id            text        NOT NULL,
      reason        text        NOT NULL,
      message       text        NOT NULL,
      topic         text,
      source        text,
      payload_bytes integer     NOT NULL,
      PRIMARY KEY (id, received_at)
    )`.execute(db);
  await sql`
    CREATE FUNCTION ingest.show_dead_letter() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF NOT ingest.oat_register_bytes(NEW.topic, NEW.payload_excerpt) THEN
        INSERT INTO ingest.dead_letter_shown (received_at, id, reason, message, topic, source, payload_bytes)
        VALUES (NEW.received_at, NEW.id, NEW.reason, NEW.message, NEW.topic, NEW.source, NEW.payload_bytes)
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION ingest.show_dead_letter() FROM PUBLIC`.execute(db);
  await sql`
    CREATE TRIGGER show_dead_letter AFTER INSERT ON ingest.dead_letter
    FOR EACH ROW EXECUTE FUNCTION ingest.show_dead_letter()`.execute(db);
  await sql`
    INSERT INTO ingest.dead_letter_shown (received_at, id, reason, message, topic, source, payload_bytes)
    SELECT received_at, id, reason, message, topic, source, payload_bytes FROM ingest.dead_letter
    WHERE NOT ingest.oat_register_bytes(topic, payload_excerpt)
    ORDER BY received_at`.execute(db);
  await sql`
    CREATE OR REPLACE VIEW reporting.dead_letter_recent AS
      SELECT received_at, id, reason, message, topic, source, payload_bytes FROM ingest.dead_letter_shown`.execute(
    db,
  );

  // ---- parked messages ----
  await sql`
    CREATE TABLE ops.parked_shown (
      id                 bigint      PRIMARY KEY,
      consumer           text        NOT NULL,
      stream             text        NOT NULL,
      subject            text        NOT NULL,
      event_key          text,
      verdict            text        NOT NULL,
      error_class        text        NOT NULL,
      error_code         text        NOT NULL,
      error_message      text        NOT NULL,
      tries              integer     NOT NULL,
      parked_at          timestamptz NOT NULL,
      retry_requested_at timestamptz,
      retries            integer     NOT NULL,
      resolved_at        timestamptz
    )`.execute(db);
  const PARKED_COLUMNS =
    "id, consumer, stream, subject, event_key, verdict, error_class, error_code, error_message, tries, parked_at, retry_requested_at, retries, resolved_at";
  const cols = sql.raw(PARKED_COLUMNS);
  const fromNew = sql.raw(
    PARKED_COLUMNS.split(", ")
      .map((c) => `NEW.${c}`)
      .join(", "),
  );
  const updates = sql.raw(
    PARKED_COLUMNS.split(", ")
      .filter((c) => c !== "id")
      .map((c) => `${c} = excluded.${c}`)
      .join(", "),
  );
  // Events stream subjects: hr.v1.<prison>.<source>.<kind>[.<partition>].
  await sql`
    CREATE FUNCTION ops.show_parked() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM ops.parked_shown WHERE id = OLD.id;
      ELSIF split_part(NEW.subject, '.', 5) = 'oat' OR ingest.oat_register_bytes(NULL, NEW.data) THEN
        IF TG_OP = 'UPDATE' THEN
          DELETE FROM ops.parked_shown WHERE id = NEW.id;
        END IF;
      ELSE
        INSERT INTO ops.parked_shown (${cols}) VALUES (${fromNew})
        ON CONFLICT (id) DO UPDATE SET ${updates};
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION ops.show_parked() FROM PUBLIC`.execute(db);
  await sql`
    CREATE TRIGGER show_parked AFTER INSERT OR UPDATE OR DELETE ON ops.parked_message
    FOR EACH ROW EXECUTE FUNCTION ops.show_parked()`.execute(db);
  await sql`
    INSERT INTO ops.parked_shown (${cols}) SELECT ${cols} FROM ops.parked_message
    WHERE NOT (split_part(subject, '.', 5) = 'oat' OR ingest.oat_register_bytes(NULL, data)) ORDER BY id`.execute(
    db,
  );
  await sql`DROP VIEW reporting.parked_message`.execute(db);
  await sql`
    CREATE VIEW reporting.parked_message AS
      SELECT id, consumer, stream, subject, event_key, verdict, error_class, error_code, error_message, tries,
             parked_at, retry_requested_at, retries, resolved_at
      FROM ops.parked_shown`.execute(db);
  await sql`GRANT SELECT ON reporting.parked_message TO hrvend_operator`.execute(db);

  // ---- stream positions: lag, not the absolute position ----
  await sql`DROP VIEW reporting.consumer_position`.execute(db);
  await sql`
    CREATE VIEW reporting.consumer_position AS
      SELECT consumer, stream, max(stream_seq) OVER (PARTITION BY stream) - stream_seq AS behind_leader, updated_at
      FROM ingest.stream_position`.execute(db);
  await sql`GRANT SELECT ON reporting.consumer_position TO hrvend_operator`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW reporting.consumer_position`.execute(db);
  await sql`
    CREATE VIEW reporting.consumer_position AS
      SELECT consumer, stream, stream_seq, updated_at FROM ingest.stream_position`.execute(db);
  await sql`GRANT SELECT ON reporting.consumer_position TO hrvend_operator`.execute(db);
  await sql`DROP VIEW reporting.parked_message`.execute(db);
  await sql`
    CREATE VIEW reporting.parked_message AS
      SELECT id, consumer, stream, stream_seq, subject, event_key, verdict, error_class, error_code,
             error_message, tries, parked_at, retry_requested_at, retries, resolved_at
      FROM ops.parked_message`.execute(db);
  await sql`GRANT SELECT ON reporting.parked_message TO hrvend_operator`.execute(db);
  await sql`DROP TRIGGER show_parked ON ops.parked_message`.execute(db);
  await sql`DROP FUNCTION ops.show_parked()`.execute(db);
  await sql`DROP TABLE ops.parked_shown`.execute(db);
  await sql`
    CREATE OR REPLACE VIEW reporting.dead_letter_recent AS
      SELECT received_at, id, reason, message, topic, source, payload_bytes FROM ingest.dead_letter`.execute(
    db,
  );
  await sql`DROP TRIGGER show_dead_letter ON ingest.dead_letter`.execute(db);
  await sql`DROP FUNCTION ingest.show_dead_letter()`.execute(db);
  await sql`DROP TABLE ingest.dead_letter_shown`.execute(db);
  await sql`DROP FUNCTION ingest.oat_register_bytes(text, bytea)`.execute(db);
  await sql`DROP TABLE ingest.event_count`.execute(db);
  // Back to 0016's functions over ingest.raw_event (same signatures: the grants stay).
  await sql`
    CREATE OR REPLACE FUNCTION reporting.pipeline_counts(p_from timestamptz, p_to timestamptz, p_bucket interval)
    RETURNS TABLE (bucket timestamptz, prison_id text, kind text, events bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100
    SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF p_from IS NULL OR p_to IS NULL OR p_bucket IS NULL OR p_bucket <= INTERVAL '0' THEN
        RAISE EXCEPTION 'pipeline_counts: from, to and a positive bucket are required'
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      RETURN QUERY
        SELECT public.time_bucket(p_bucket, r.event_time), r.prison_id, r.kind, count(*)
        FROM ingest.raw_event r WHERE r.event_time BETWEEN p_from AND p_to AND r.kind <> 'oat'
        GROUP BY 1, 2, 3;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION reporting.pipeline_latest() RETURNS timestamptz
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT max(r.event_time) FROM ingest.raw_event r WHERE r.kind <> 'oat'
    $$`.execute(db);
}
