import { type Kysely, sql } from "kysely";

/**
 * Availability per slot over any time range (docs/domain.md: share of time a slot had stock > 0
 * while its machine was online; stockout minutes; machine uptime), computed where Grafana asks
 * for it: each level holds from its change until the slot's next change (in the machine's seq
 * order), offline periods are the machine's offline alerts (dated by the machine itself, see
 * services/stock), and the window is cut with PostgreSQL's multiranges. Before a slot's first
 * level change its level is unknown and counts for neither side (as the domain's availability()).
 * Expired units count as unavailable (docs/domain.md): a level holds stock only until `usable_until`.
 * SECURITY DEFINER so the Grafana role gets the figures without reading the stock tables; it
 * returns no card token (the stock tables hold none).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Naloxone: when the units after a change will all have expired (null: no expiry tracked).
  await sql`ALTER TABLE stock.level_change ADD COLUMN usable_until timestamptz`.execute(db);
  await sql`
    CREATE FUNCTION reporting.minutes(m tstzmultirange) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT COALESCE(sum(extract(epoch FROM upper(r) - lower(r))), 0) / 60 FROM unnest(m) AS r
    $$`.execute(db);
  await sql`
    CREATE FUNCTION reporting.slot_availability(p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (
      prison_id text, machine_id text, slot_id text, item_id text,
      window_minutes double precision, online_minutes double precision,
      known_online_minutes double precision, stocked_online_minutes double precision,
      stockout_minutes double precision, availability_pct double precision, uptime_pct double precision
    )
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      WITH w AS (SELECT tstzmultirange(tstzrange(p_from, p_to)) AS r),
      -- The changes inside the window and, per slot, the last one before it (its level holds into the window).
      changes AS (
        SELECT c.machine_id, c.slot_id, c.prison_id, c.item_id, c.seq, c.device_time, c.level, c.usable_until
        FROM stock.level_change c WHERE c.device_time >= p_from AND c.device_time < p_to
        UNION ALL
        SELECT b.machine_id, b.slot_id, b.prison_id, b.item_id, b.seq, b.device_time, b.level, b.usable_until
        FROM stock.slot s
        CROSS JOIN LATERAL (
          SELECT * FROM stock.level_change c
          WHERE c.machine_id = s.machine_id AND c.slot_id = s.slot_id AND c.device_time < p_from
          ORDER BY c.device_time DESC, c.seq DESC LIMIT 1
        ) b
      ),
      held AS (
        SELECT machine_id, slot_id, prison_id, item_id, level,
               tstzmultirange(tstzrange(device_time,
                 COALESCE(lead(device_time) OVER (PARTITION BY machine_id, slot_id ORDER BY seq), 'infinity'))) AS r,
               tstzmultirange(tstzrange(NULL, COALESCE(usable_until, 'infinity'))) AS usable
        FROM changes
      ),
      slots AS (
        SELECT h.machine_id, h.slot_id, max(h.prison_id) AS prison_id, max(h.item_id) AS item_id,
               range_agg(h.r) * w.r AS known,
               COALESCE(range_agg(h.r * h.usable) FILTER (WHERE h.level > 0), '{}') * w.r AS stocked,
               COALESCE(range_agg(h.r) FILTER (WHERE h.level = 0), '{}') * w.r AS empty
        FROM held h, w GROUP BY h.machine_id, h.slot_id, w.r
      ),
      offline AS (
        SELECT a.machine_id, range_agg(tstzrange(a.raised_at, COALESCE(a.cleared_at, 'infinity'))) AS r
        FROM stock.alert a
        WHERE a.type = 'offline' AND a.raised_at < p_to AND COALESCE(a.cleared_at, 'infinity') > p_from
        GROUP BY a.machine_id
      ),
      figures AS (
        SELECT s.*, w.r - COALESCE(o.r, '{}') AS online, reporting.minutes(w.r) AS window_minutes
        FROM slots s CROSS JOIN w LEFT JOIN offline o ON o.machine_id = s.machine_id
      )
      SELECT f.prison_id, f.machine_id, f.slot_id, f.item_id, f.window_minutes,
             reporting.minutes(f.online),
             reporting.minutes(f.known * f.online),
             reporting.minutes(f.stocked * f.online),
             reporting.minutes(f.empty),
             CASE WHEN reporting.minutes(f.known * f.online) > 0
               THEN 100 * reporting.minutes(f.stocked * f.online) / reporting.minutes(f.known * f.online) END,
             CASE WHEN f.window_minutes > 0 THEN 100 * reporting.minutes(f.online) / f.window_minutes END
      FROM figures f
    $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION reporting.slot_availability(timestamptz, timestamptz) FROM PUBLIC`.execute(
    db,
  );
  await sql`GRANT EXECUTE ON FUNCTION reporting.slot_availability(timestamptz, timestamptz) TO hrvend_grafana`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION reporting.slot_availability(timestamptz, timestamptz)`.execute(db);
  await sql`DROP FUNCTION reporting.minutes(tstzmultirange)`.execute(db);
  await sql`ALTER TABLE stock.level_change DROP COLUMN usable_until`.execute(db);
}
