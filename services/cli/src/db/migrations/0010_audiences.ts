import { type Kysely, sql } from "kysely";

/**
 * One access boundary per audience (docs/architecture.md §Privacy and security; issue #15). Until
 * now every dashboard read through one role, hrvend_grafana, which could read exact daily
 * dispenses, every level change and OAT register events per day. From here on:
 *
 * - prison administration: group role `hrvend_admin` (NOLOGIN); each staff group logs in with a
 *   role of its own that is a member (`grantAdmin` in ../roles.ts, `hrvend access grant-admin`),
 *   and `access.admin_prison` says which prisons each login sees ('*': every prison, the national
 *   administration's `hrvend_admin_national`). Schema `administration`: `security_invoker` views
 *   over the stock and reference tables, which have row-level security keyed on the prison.
 *   TimescaleDB copies a hypertable's grants onto its chunks but not its row-level security, so a
 *   role granted a hypertable reads every prison straight from `_timescaledb_internal` (measured
 *   on 2.19): no audience is granted a hypertable. What administration reads from one (stock
 *   history, cabinet temperatures, availability) comes through SECURITY DEFINER functions that
 *   filter on the same mapping, and the stock history only as hourly minima (no dispense instant).
 * - outreach coordinators: `hrvend_outreach`, restock plans and stock (reporting views).
 * - funders: `hrvend_funder`, schema `funder` only (the protected publication).
 * - operators: `hrvend_operator`, pipeline health: ingest counts without the health unit's OAT
 *   register events (per-person health data), dead letters without payload, consumer positions,
 *   parked messages, machine health.
 *
 * hrvend_grafana loses every privilege and its login (it is cluster-wide: other databases of the
 * cluster may still name it, so it is not dropped). test/integration/roles.int.test.ts lists
 * from the catalog everything each role can read, write or execute and compares it with the
 * allowed set.
 */

/** Prisons the session's login may see ('*' for all): the one source of truth for RLS and the functions. */
const SEES = (col: string) => `(SELECT access.admin_prisons()) && ARRAY[${col}, '*']`;

/** Tables administration reads through views: RLS on the prison, the writer keeps every row. */
const ADMIN_TABLES: { table: string; columns: string[] }[] = [
  { table: "reorder.prison", columns: ["prison_id", "name", "time_zone", "capacity"] },
  { table: "reorder.machine", columns: ["machine_id", "prison_id", "location", "active"] },
  {
    table: "stock.slot",
    columns: ["machine_id", "slot_id", "prison_id", "item_id", "capacity", "level", "level_at"],
  },
  {
    table: "stock.machine_health",
    columns: [
      "machine_id",
      "prison_id",
      "status",
      "status_since",
      "last_seen_at",
      "temperature_c",
      "door",
      "power",
      "battery_pct",
      "firmware",
    ],
  },
  {
    table: "stock.alert",
    columns: [
      "alert_id",
      "prison_id",
      "machine_id",
      "slot_id",
      "type",
      "detail",
      "raised_at",
      "acknowledged_at",
      "acknowledged_by",
      "cleared_at",
    ],
  },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // Roles are cluster-wide: create them once, whichever database migrates first (several may
  // migrate at once, as test files do: the loser of a race finds the role made). Login roles get
  // LOGIN and a password from setRolePasswords (the deployment's secrets).
  await sql`
    DO $$
    DECLARE r text;
    BEGIN
      FOREACH r IN ARRAY ARRAY['hrvend_admin', 'hrvend_outreach', 'hrvend_operator', 'hrvend_admin_national'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
          BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
          END;
        END IF;
      END LOOP;
      IF NOT pg_has_role('hrvend_admin_national', 'hrvend_admin', 'MEMBER') THEN
        BEGIN
          GRANT hrvend_admin TO hrvend_admin_national;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
      END IF;
      -- hrvend_grafana: no login anywhere (only when it still has one: altering a role another
      -- database's migration is altering fails with "tuple concurrently updated").
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hrvend_grafana' AND rolcanlogin) THEN
        ALTER ROLE hrvend_grafana NOLOGIN;
      END IF;
    END $$`.execute(db);

  // hrvend_grafana: nothing left in this database.
  await sql`REVOKE ALL ON ALL TABLES IN SCHEMA reporting, funder FROM hrvend_grafana`.execute(db);
  await sql`REVOKE ALL ON ALL FUNCTIONS IN SCHEMA reporting FROM hrvend_grafana`.execute(db);
  await sql`REVOKE ALL ON SCHEMA reporting, funder FROM hrvend_grafana`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA reporting REVOKE SELECT ON TABLES FROM hrvend_grafana`.execute(
    db,
  );
  // reporting.minutes was created executable by PUBLIC; it is pure, but nothing outside the
  // definer functions needs it.
  await sql`REVOKE ALL ON FUNCTION reporting.minutes(tstzmultirange) FROM PUBLIC`.execute(db);

  // ---- administration ----
  await sql`CREATE SCHEMA access`.execute(db);
  await sql`REVOKE ALL ON SCHEMA access FROM PUBLIC`.execute(db);
  await sql`
    CREATE TABLE access.admin_prison (
      login      name        NOT NULL,
      prison_id  text        NOT NULL CHECK (length(prison_id) > 0),
      granted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (login, prison_id)
    )`.execute(db);
  await sql`INSERT INTO access.admin_prison (login, prison_id) VALUES ('hrvend_admin_national', '*')`.execute(
    db,
  );
  // session_user, not current_user: inside a SECURITY DEFINER function current_user is the owner,
  // and a login that SETs ROLE hrvend_admin must not widen what it sees.
  await sql`
    CREATE FUNCTION access.admin_prisons() RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT COALESCE(array_agg(prison_id::text), '{}') FROM access.admin_prison WHERE login = session_user
    $$`.execute(db);
  await sql`REVOKE ALL ON FUNCTION access.admin_prisons() FROM PUBLIC`.execute(db);
  await sql`GRANT USAGE ON SCHEMA access TO hrvend_admin`.execute(db);
  await sql`GRANT EXECUTE ON FUNCTION access.admin_prisons() TO hrvend_admin`.execute(db);

  for (const { table, columns } of ADMIN_TABLES) {
    const t = sql.raw(table);
    await sql`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`.execute(db);
    await sql`CREATE POLICY writer_all ON ${t} FOR ALL TO hrvend_writer USING (true) WITH CHECK (true)`.execute(
      db,
    );
    await sql`CREATE POLICY admin_own_prisons ON ${t} FOR SELECT TO hrvend_admin USING (${sql.raw(SEES("prison_id"))})`.execute(
      db,
    );
    await sql`GRANT SELECT (${sql.raw(columns.join(", "))}) ON ${t} TO hrvend_admin`.execute(db);
  }
  await sql`GRANT USAGE ON SCHEMA reorder, stock TO hrvend_admin`.execute(db);
  await sql`GRANT SELECT (item_id, info) ON stock.item TO hrvend_admin`.execute(db);

  await sql`CREATE SCHEMA administration`.execute(db);
  await sql`REVOKE ALL ON SCHEMA administration FROM PUBLIC`.execute(db);
  await sql`
    CREATE VIEW administration.prison WITH (security_invoker = true) AS
      SELECT prison_id, name, time_zone, capacity FROM reorder.prison`.execute(db);
  await sql`
    CREATE VIEW administration.machine WITH (security_invoker = true) AS
      SELECT machine_id, prison_id, location, active FROM reorder.machine`.execute(db);
  await sql`
    CREATE VIEW administration.item WITH (security_invoker = true) AS
      SELECT item_id, info->>'category' AS category, (info->>'tracksLots')::boolean AS tracks_lots
      FROM stock.item`.execute(db);
  await sql`
    CREATE VIEW administration.slot_stock WITH (security_invoker = true) AS
      SELECT s.prison_id, s.machine_id, s.slot_id, s.item_id, s.capacity, s.level,
             CASE WHEN s.capacity > 0 THEN round(100.0 * s.level / s.capacity, 1) END AS fill_pct, s.level_at
      FROM stock.slot s`.execute(db);
  await sql`
    CREATE VIEW administration.machine_health WITH (security_invoker = true) AS
      SELECT prison_id, machine_id, status, status_since, last_seen_at, temperature_c, door, power, battery_pct, firmware
      FROM stock.machine_health`.execute(db);
  await sql`
    CREATE VIEW administration.alert WITH (security_invoker = true) AS
      SELECT alert_id, prison_id, machine_id, slot_id, type, detail, raised_at, acknowledged_at, acknowledged_by,
             cleared_at, cleared_at IS NULL AS active
      FROM stock.alert`.execute(db);

  // From hypertables: definer functions, filtered on the caller's prisons.
  await sql`
    CREATE FUNCTION administration.stock_level_hourly(p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (hour timestamptz, prison_id text, machine_id text, slot_id text, item_id text, min_level integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT public.time_bucket(INTERVAL '1 hour', c.device_time), c.prison_id, c.machine_id, c.slot_id, c.item_id,
             min(c.level)
      FROM stock.level_change c
      WHERE c.device_time >= p_from AND c.device_time < p_to AND ${sql.raw(SEES("c.prison_id"))}
      GROUP BY 1, 2, 3, 4, 5
    $$`.execute(db);
  await sql`
    CREATE FUNCTION administration.machine_temperature(p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (hour timestamptz, prison_id text, machine_id text, max_temperature_c double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      -- Hourly maxima: a definer function is not inlined, so it hands back few rows (the panel
      -- groups by 2 hours or more; an excursion still shows).
      SELECT public.time_bucket(INTERVAL '1 hour', r.event_time), r.prison_id, r.source_id, max(r.temperature_c)
      FROM ingest.raw_event r
      WHERE r.kind = 'heartbeat' AND r.event_time >= p_from AND r.event_time < p_to
        AND ${sql.raw(SEES("r.prison_id"))}
      GROUP BY 1, 2, 3
    $$`.execute(db);
  await sql`
    CREATE FUNCTION administration.slot_availability(p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (
      prison_id text, machine_id text, slot_id text, item_id text,
      window_minutes double precision, online_minutes double precision,
      known_online_minutes double precision, stocked_online_minutes double precision,
      stockout_minutes double precision, availability_pct double precision, uptime_pct double precision
    )
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT a.* FROM reporting.slot_availability(p_from, p_to) a WHERE ${sql.raw(SEES("a.prison_id"))}
    $$`.execute(db);
  for (const f of ["stock_level_hourly", "machine_temperature", "slot_availability"]) {
    const fn = sql.raw(`administration.${f}(timestamptz, timestamptz)`);
    await sql`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`.execute(db);
    await sql`GRANT EXECUTE ON FUNCTION ${fn} TO hrvend_admin`.execute(db);
  }
  await sql`GRANT USAGE ON SCHEMA administration TO hrvend_admin`.execute(db);
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA administration TO hrvend_admin`.execute(db);

  // ---- outreach coordinators: restock plans and stock ----
  await sql`GRANT USAGE ON SCHEMA reporting TO hrvend_outreach, hrvend_operator`.execute(db);
  await sql`
    GRANT SELECT ON reporting.restock_plan_line, reporting.restock_pick_list, reporting.slot_forecast,
      reporting.lot_expiry, reporting.dispense_daily, reporting.slot_stock, reporting.prison, reporting.machine,
      reporting.item TO hrvend_outreach`.execute(db);

  // ---- operators: pipeline health without per-person health data ----
  await sql`
    CREATE VIEW reporting.pipeline_event AS
      SELECT event_time, received_at, prison_id, kind FROM ingest.raw_event
      -- The health unit's OAT register (enrolments, doses, discharges) is per-person health data.
      WHERE kind <> 'oat'`.execute(db);
  await sql`
    GRANT SELECT ON reporting.pipeline_event, reporting.dead_letter_recent, reporting.consumer_position,
      reporting.machine_health, reporting.prison, reporting.machine TO hrvend_operator`.execute(db);
  // Seq gaps (0012) and parked messages (0014) when those migrations ran first; otherwise they
  // grant them to hrvend_operator themselves.
  await sql`
    DO $$
    BEGIN
      IF to_regclass('reporting.stock_seq_gap') IS NOT NULL THEN
        GRANT SELECT ON reporting.stock_seq_gap TO hrvend_operator;
      END IF;
      IF to_regclass('reporting.parked_message') IS NOT NULL THEN
        GRANT SELECT ON reporting.parked_message TO hrvend_operator;
      END IF;
    END $$`.execute(db);

  // PostgreSQL's cumulative statistics count every table's inserted rows for any role (e.g.
  // pg_stat_all_tables.n_tup_ins of coverage.oat_event: OAT register events as they come, which
  // operators must not see). Only monitoring (pg_monitor) and the owner keep them in this database.
  await sql`
    DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT c.oid::regclass AS v FROM pg_class c
               WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'v'
                 AND c.relname ~ '^pg_stat(io)?_(all|sys|user|xact_all|xact_sys|xact_user)_(tables|indexes|sequences)$' LOOP
        EXECUTE format('REVOKE SELECT ON %s FROM PUBLIC', r.v);
        EXECUTE format('GRANT SELECT ON %s TO pg_monitor', r.v);
      END LOOP;
      FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
               WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_stat\_get\_%'
                 AND p.proargtypes = '26'::oidvector LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', r.f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO pg_monitor', r.f);
      END LOOP;
    END $$`.execute(db);

  // ---- funders: the publication only (schema funder, granted by 0005 and later migrations) ----
  await sql`GRANT USAGE ON SCHEMA funder TO hrvend_funder`.execute(db);
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA funder TO hrvend_funder`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW reporting.pipeline_event`.execute(db);
  await sql`DROP SCHEMA administration CASCADE`.execute(db);
  for (const { table } of ADMIN_TABLES) {
    const t = sql.raw(table);
    await sql`DROP POLICY admin_own_prisons ON ${t}`.execute(db);
    await sql`DROP POLICY writer_all ON ${t}`.execute(db);
    await sql`ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`.execute(db);
  }
  await sql`DROP SCHEMA access CASCADE`.execute(db);
}
