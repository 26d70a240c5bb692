import { type Kysely, sql } from "kysely";

/**
 * What the Grafana dashboards (dashboards/) read beyond the services' own reporting views: the
 * reference lists behind the prison / machine / item template variables, naloxone lots with their
 * expiry, cabinet temperature readings (a generated column on raw_event) and raw-event counts filterable on the event time (the
 * hourly view groups first, so a time filter on it cannot prune chunks). Each view names its
 * columns one by one: no payload and no card token ever reaches Grafana. Granted to
 * hrvend_grafana only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE VIEW reporting.prison AS
      SELECT prison_id, name, time_zone, capacity FROM reorder.prison`.execute(db);
  await sql`
    CREATE VIEW reporting.machine AS
      SELECT machine_id, prison_id, location, active FROM reorder.machine`.execute(db);
  await sql`
    CREATE VIEW reporting.item AS
      SELECT item_id, info->>'category' AS category, (info->>'tracksLots')::boolean AS tracks_lots
      FROM stock.item`.execute(db);
  await sql`
    CREATE VIEW reporting.lot_expiry AS
      SELECT l.prison_id, l.machine_id, m.location, l.slot_id, l.item_id, l.lot_id, l.expiry, l.quantity
      FROM reorder.lot_stock l
      LEFT JOIN reorder.machine m USING (machine_id)
      WHERE l.quantity > 0`.execute(db);
  // Heartbeats carry the cabinet temperature. Reading it out of a month of JSON payloads took
  // most of the temperature panel's time: a stored generated column (computed on insert, so the
  // recorder is unchanged) and a partial covering index let the panel read an index only.
  await sql`
    ALTER TABLE ingest.raw_event ADD COLUMN temperature_c double precision
      GENERATED ALWAYS AS (CASE WHEN kind = 'heartbeat' THEN (payload->'temperatureC')::double precision END) STORED`.execute(
    db,
  );
  await sql`
    CREATE INDEX raw_event_heartbeat_temperature ON ingest.raw_event (event_time, source_id, prison_id, temperature_c)
      WHERE kind = 'heartbeat'`.execute(db);
  await sql`
    CREATE VIEW reporting.machine_temperature AS
      SELECT event_time, prison_id, source_id AS machine_id, temperature_c
      FROM ingest.raw_event
      WHERE kind = 'heartbeat'`.execute(db);
  await sql`
    CREATE VIEW reporting.ingest_event AS
      SELECT event_time, received_at, prison_id, source_id, kind FROM ingest.raw_event`.execute(db);
  // The temperature panel reads heartbeats of some machines over a time range.
  await sql`CREATE INDEX raw_event_kind_source_time ON ingest.raw_event (kind, source_id, event_time)`.execute(
    db,
  );
  await sql`
    GRANT SELECT ON reporting.prison, reporting.machine, reporting.item, reporting.lot_expiry,
      reporting.machine_temperature, reporting.ingest_event TO hrvend_grafana`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP VIEW reporting.ingest_event, reporting.machine_temperature, reporting.lot_expiry, reporting.item,
      reporting.machine, reporting.prison`.execute(db);
  await sql`DROP INDEX ingest.raw_event_heartbeat_temperature`.execute(db);
  await sql`ALTER TABLE ingest.raw_event DROP COLUMN temperature_c`.execute(db);
}
