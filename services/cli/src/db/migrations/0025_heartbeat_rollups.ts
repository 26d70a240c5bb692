import { type Kysely, sql } from "kysely";

/**
 * Heartbeats are rolled up, not stored raw (issue #20: 99 % of the estate's events, 822 bytes
 * each as raw rows with their indexes and event key). The recorder writes, in the transaction that
 * moves its stream position (services/recorder/src/domain/heartbeats.ts):
 *
 * - `ingest.heartbeat_hourly`: per machine and UTC hour, heartbeats, temperature count/min/max/sum,
 *   heartbeats with the door open and on battery, lowest battery, first and last heartbeat time,
 *   and the seqs counted (`seqs`, an int8multirange: a few ranges per hour), which is what makes a
 *   redelivered or replayed heartbeat change nothing (it replaces the event key row).
 * - `ingest.machine_health_interval`: runs of heartbeats of one status (door/power) with no gap
 *   longer than the recorder's `HEALTH_GAP_MINUTES` (15, stock's silence bound): start, end, count.
 *
 * Rows are updated by every batch that adds to them (no indexed column changes): half-empty pages
 * (fillfactor 50) let those updates stay on the page (HOT), so they add no index entries and their
 * dead versions are pruned without waiting for autovacuum.
 *
 * Raw heartbeats stay in the events stream for its configured age. Views and the administration
 * function that read heartbeat rows of `ingest.raw_event` read the rollups; the generated
 * temperature column and its partial index on raw_event go. Both tables are hypertables with a
 * retention setting (`ops.retention_policy`, dropped by `hrvend retention run`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ingest.heartbeat_hourly (
      hour        timestamptz      NOT NULL,
      machine_id  text             NOT NULL,
      prison_id   text             NOT NULL,
      heartbeats  integer          NOT NULL DEFAULT 0 CHECK (heartbeats >= 0),
      temp_count  integer          NOT NULL DEFAULT 0,
      temp_min    double precision,
      temp_max    double precision,
      temp_sum    double precision NOT NULL DEFAULT 0,
      door_open   integer          NOT NULL DEFAULT 0,
      on_battery  integer          NOT NULL DEFAULT 0,
      battery_min double precision,
      first_at    timestamptz,
      last_at     timestamptz,
      seqs        int8multirange   NOT NULL DEFAULT '{}',
      PRIMARY KEY (machine_id, hour)
    ) WITH (fillfactor = 50)`.execute(db);
  await sql`SELECT create_hypertable('ingest.heartbeat_hourly', by_range('hour', INTERVAL '7 days'))`.execute(
    db,
  );
  await sql`CREATE INDEX heartbeat_hourly_hour_prison ON ingest.heartbeat_hourly (hour, prison_id)`.execute(
    db,
  );
  await sql`
    CREATE TABLE ingest.machine_health_interval (
      machine_id  text        NOT NULL,
      started_at  timestamptz NOT NULL,
      status      text        NOT NULL,
      prison_id   text        NOT NULL,
      ended_at    timestamptz NOT NULL,
      heartbeats  integer     NOT NULL CHECK (heartbeats > 0),
      PRIMARY KEY (machine_id, started_at, status)
    ) WITH (fillfactor = 50)`.execute(db);
  await sql`SELECT create_hypertable('ingest.machine_health_interval', by_range('started_at', INTERVAL '30 days'))`.execute(
    db,
  );
  await sql`GRANT SELECT, INSERT, UPDATE ON ingest.heartbeat_hourly, ingest.machine_health_interval TO hrvend_writer`.execute(
    db,
  );

  // Heartbeats recorded before this migration: rolled up once (their seqs included), then dropped.
  await sql`
    INSERT INTO ingest.heartbeat_hourly (hour, machine_id, prison_id, heartbeats, temp_count, temp_min, temp_max,
      temp_sum, door_open, on_battery, battery_min, first_at, last_at, seqs)
    SELECT public.time_bucket(INTERVAL '1 hour', event_time), source_id, min(prison_id), count(*),
      count(payload->'temperatureC'), min((payload->>'temperatureC')::double precision), max((payload->>'temperatureC')::double precision),
      coalesce(sum((payload->>'temperatureC')::double precision), 0),
      count(*) FILTER (WHERE payload->>'door' = 'open'), count(*) FILTER (WHERE payload->>'power' = 'battery'),
      min((payload->>'batteryPct')::double precision), min(event_time), max(event_time), range_agg(int8range(seq, seq + 1))
    FROM ingest.raw_event WHERE kind = 'heartbeat' GROUP BY 1, 2`.execute(db);

  await sql`DROP VIEW reporting.machine_temperature`.execute(db);
  await sql`
    CREATE VIEW reporting.machine_temperature AS
      SELECT hour, prison_id, machine_id, heartbeats, temp_min AS min_temperature_c, temp_max AS max_temperature_c,
             temp_sum / nullif(temp_count, 0) AS mean_temperature_c
      FROM ingest.heartbeat_hourly`.execute(db);
  await sql`
    CREATE VIEW reporting.machine_health_interval AS
      SELECT machine_id, prison_id, status, started_at, ended_at, heartbeats FROM ingest.machine_health_interval`.execute(
    db,
  );
  await sql`GRANT SELECT ON reporting.machine_temperature, reporting.machine_health_interval TO hrvend_grafana`.execute(
    db,
  );
  await sql`
    CREATE OR REPLACE FUNCTION administration.machine_temperature(p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (hour timestamptz, prison_id text, machine_id text, max_temperature_c double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT h.hour, h.prison_id, h.machine_id, h.temp_max::double precision
      FROM ingest.heartbeat_hourly h
      WHERE h.hour >= public.time_bucket(INTERVAL '1 hour', p_from) AND h.hour < p_to AND h.temp_count > 0
        AND (SELECT access.admin_prisons()) && ARRAY[h.prison_id, '*']
    $$`.execute(db);

  // Their event keys go too: a heartbeat's seq is guarded by its machine-hour's seqs now.
  await sql`
    DELETE FROM ingest.event_key k USING ingest.raw_event r
    WHERE r.kind = 'heartbeat' AND k.event_key = r.event_key`.execute(db);
  await sql`DELETE FROM ingest.raw_event WHERE kind = 'heartbeat'`.execute(db);
  await sql`DROP INDEX ingest.raw_event_heartbeat_temperature`.execute(db);
  await sql`ALTER TABLE ingest.raw_event DROP COLUMN temperature_c`.execute(db);

  await sql`
    INSERT INTO ops.retention_policy (table_name, keep) VALUES
      ('ingest.heartbeat_hourly', INTERVAL '400 days'),
      ('ingest.machine_health_interval', INTERVAL '400 days')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM ops.retention_policy WHERE table_name IN ('ingest.heartbeat_hourly', 'ingest.machine_health_interval')`.execute(
    db,
  );
  await sql`
    ALTER TABLE ingest.raw_event ADD COLUMN temperature_c double precision
      GENERATED ALWAYS AS (CASE WHEN kind = 'heartbeat' THEN (payload->'temperatureC')::double precision END) STORED`.execute(
    db,
  );
  await sql`
    CREATE INDEX raw_event_heartbeat_temperature ON ingest.raw_event (event_time, source_id, prison_id, temperature_c)
      WHERE kind = 'heartbeat'`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION administration.machine_temperature(p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (hour timestamptz, prison_id text, machine_id text, max_temperature_c double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT public.time_bucket(INTERVAL '1 hour', r.event_time), r.prison_id, r.source_id, max(r.temperature_c)
      FROM ingest.raw_event r
      WHERE r.kind = 'heartbeat' AND r.event_time >= p_from AND r.event_time < p_to
        AND (SELECT access.admin_prisons()) && ARRAY[r.prison_id, '*']
      GROUP BY 1, 2, 3
    $$`.execute(db);
  await sql`DROP VIEW reporting.machine_health_interval, reporting.machine_temperature`.execute(db);
  await sql`
    CREATE VIEW reporting.machine_temperature AS
      SELECT event_time, prison_id, source_id AS machine_id, temperature_c
      FROM ingest.raw_event
      WHERE kind = 'heartbeat'`.execute(db);
  await sql`GRANT SELECT ON reporting.machine_temperature TO hrvend_grafana`.execute(db);
  // The rolled-up heartbeats cannot become raw rows again: they stay in the rollups' tables until dropped.
  await sql`DROP TABLE ingest.machine_health_interval, ingest.heartbeat_hourly`.execute(db);
}
