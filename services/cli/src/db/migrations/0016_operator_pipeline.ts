import { type Kysely, sql } from "kysely";

/**
 * Operators plan over no table that holds OAT register events (issue #15). 0010_audiences gave
 * hrvend_operator `reporting.pipeline_event`, a view over `ingest.raw_event` WHERE kind <> 'oat'
 * running with its owner's rights. The rows were hidden, their planner statistics were not: as
 * hrvend_operator, `EXPLAIN SELECT … FROM reporting.pipeline_event WHERE <one day> AND kind >= 'oat'
 * AND kind <= 'oat'` estimated 300 rows for a day with 300 OAT events and 20 for a day with 20 (the
 * query itself returns none): daily counts of per-person health events. Turning statistics off
 * would not do (chunk totals minus the visible counts).
 *
 * Now the operator reads two SECURITY DEFINER functions. PostgreSQL never inlines a definer
 * function, so the caller's planner sees a function scan with its fixed ROWS estimate and never
 * `ingest.raw_event` or its chunks:
 * - `reporting.pipeline_counts(from, to, bucket)`: events per time bucket (TimescaleDB's
 *   time_bucket, as Grafana's `$__timeGroup` with TimescaleDB on), prison and kind, event time
 *   between `from` and `to` inclusive (as `$__timeFilter`), never kind 'oat';
 * - `reporting.pipeline_latest()`: the latest such event time (where the preview's range ends).
 * The view is dropped: nobody reads it any more.
 *
 * The other views audiences read were checked for the same pattern (a WHERE hiding rows of a
 * table that holds per-person or other-prison rows): outreach's and the operator's other views
 * project whole tables, or (reporting.lot_expiry) hide only empty lots of stock that every
 * outreach coordinator sees anyway.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION reporting.pipeline_counts(p_from timestamptz, p_to timestamptz, p_bucket interval)
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
      RETURN QUERY
        SELECT public.time_bucket(p_bucket, r.event_time), r.prison_id, r.kind, count(*)
        FROM ingest.raw_event r
        -- The health unit's OAT register (enrolments, doses, discharges) is per-person health data.
        WHERE r.event_time BETWEEN p_from AND p_to AND r.kind <> 'oat'
        GROUP BY 1, 2, 3;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION reporting.pipeline_latest() RETURNS timestamptz
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT max(r.event_time) FROM ingest.raw_event r WHERE r.kind <> 'oat'
    $$`.execute(db);
  for (const fn of ["pipeline_counts(timestamptz, timestamptz, interval)", "pipeline_latest()"]) {
    const f = sql.raw(`reporting.${fn}`);
    await sql`REVOKE ALL ON FUNCTION ${f} FROM PUBLIC`.execute(db);
    await sql`GRANT EXECUTE ON FUNCTION ${f} TO hrvend_operator`.execute(db);
  }
  await sql`DROP VIEW reporting.pipeline_event`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW reporting.pipeline_event AS
      SELECT event_time, received_at, prison_id, kind FROM ingest.raw_event WHERE kind <> 'oat'`.execute(db);
  await sql`GRANT SELECT ON reporting.pipeline_event TO hrvend_operator`.execute(db);
  await sql`DROP FUNCTION reporting.pipeline_latest()`.execute(db);
  await sql`DROP FUNCTION reporting.pipeline_counts(timestamptz, timestamptz, interval)`.execute(db);
}
