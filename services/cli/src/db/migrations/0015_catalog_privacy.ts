import { type Kysely, sql } from "kysely";

/**
 * Numbers the audiences must not read, closed where PostgreSQL and TimescaleDB hand them out
 * (issue #15; two leaks reproduced against 0010_audiences):
 *
 * 1. The planner's statistics behind row-level security. A staff login granted one prison read
 *    `reorder.machine` etc. under RLS; PostgreSQL still uses a table's statistics (most common
 *    values, histograms, reltuples) for leakproof operators such as text `=`, so
 *    `EXPLAIN … WHERE location = 'SECRET-WING'` estimated 100 rows for a value that exists only in
 *    another prison and 1 for one that exists nowhere. Now every `administration` view reads a
 *    SECURITY DEFINER set-returning function filtered on `access.admin_prisons()`: such a function is
 *    never inlined, so the caller's planner sees only a function scan (its fixed ROWS estimate),
 *    never the tables, and administration loses its grants on the base tables and their schemas.
 *    A column added to a base table later reaches nobody (the function returns the view's columns).
 * 2. Row counts through the catalogue. `pg_class.reltuples/relpages/relallvisible`, the size
 *    functions and TimescaleDB's catalogue, information views and size/row-count functions gave
 *    every role the size of `coverage.card`, `coverage.card_period` and of each hypertable chunk with
 *    its time range (daily counts of OAT register events). PUBLIC keeps every other column of
 *    `pg_class` (psql, kysely's and Grafana's introspection read those); monitoring (pg_monitor)
 *    and the services' writer keep the rest.
 *
 * Privileges on pg_catalog objects are per database: this runs as the database's superuser, as
 * every migration does (infra/deploy/postgres/migrate.sh).
 */

const ADMIN_VIEWS = ["prison", "machine", "item", "slot_stock", "machine_health", "alert"] as const;
const ADMIN_BASE_TABLES = [
  "reorder.prison",
  "reorder.machine",
  "stock.item",
  "stock.slot",
  "stock.machine_health",
  "stock.alert",
];
/** The planner's inputs a role could read a table's size from. */
const PG_CLASS_HIDDEN = ["reltuples", "relpages", "relallvisible", "relallfrozen"];
/** PostgreSQL's size functions (any relation or database by oid, no privilege check of their own). */
const PG_SIZE_FUNCTIONS = [
  "pg_relation_size(regclass)",
  "pg_relation_size(regclass, text)",
  "pg_table_size(regclass)",
  "pg_indexes_size(regclass)",
  "pg_total_relation_size(regclass)",
  "pg_database_size(name)",
  "pg_database_size(oid)",
];
const TSDB_SCHEMAS = [
  "_timescaledb_catalog",
  "_timescaledb_config",
  "_timescaledb_internal",
  "_timescaledb_cache",
  "timescaledb_information",
  "timescaledb_experimental",
];
/** TimescaleDB functions that report sizes, row counts, statistics or chunks (any schema of the extension). */
const TSDB_FUNCTION_NAMES = "(size|row_count|stats|show_chunk|chunk_status|dimension_slice)";

export async function up(db: Kysely<unknown>): Promise<void> {
  // ---- 1. administration through definer functions ----
  // Each function returns exactly the view's current columns and types (read from the catalog, so
  // nothing changes for the dashboards), with the view's own query inside, filtered on the prisons
  // of the session's login (the owner bypasses RLS: the filter is the boundary, as in 0010's
  // functions over hypertables).
  await sql`
    DO $$
    DECLARE
      v text;
      cols text;
      def text;
      has_prison boolean;
    BEGIN
      FOREACH v IN ARRAY ${sql.lit(`{${ADMIN_VIEWS.join(",")}}`)}::text[] LOOP
        SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum),
               bool_or(a.attname = 'prison_id')
          INTO cols, has_prison
          FROM pg_attribute a
         WHERE a.attrelid = format('administration.%I', v)::regclass AND a.attnum > 0 AND NOT a.attisdropped;
        def := rtrim(pg_get_viewdef(format('administration.%I', v)::regclass, true), E'; \n');
        EXECUTE format(
          'CREATE FUNCTION administration.%I() RETURNS TABLE (%s) LANGUAGE sql STABLE SECURITY DEFINER '
          'SET search_path = pg_catalog, pg_temp AS %L',
          v || '_rows', cols,
          'SELECT v.* FROM (' || def || ') v'
            || CASE WHEN has_prison THEN ' WHERE (SELECT access.admin_prisons()) && ARRAY[v.prison_id, ''*'']' ELSE '' END);
        EXECUTE format('DROP VIEW administration.%I', v);
        EXECUTE format('CREATE VIEW administration.%I AS SELECT * FROM administration.%I()', v, v || '_rows');
        EXECUTE format('REVOKE ALL ON FUNCTION administration.%I() FROM PUBLIC', v || '_rows');
        EXECUTE format('GRANT EXECUTE ON FUNCTION administration.%I() TO hrvend_admin', v || '_rows');
        EXECUTE format('GRANT SELECT ON administration.%I TO hrvend_admin', v);
      END LOOP;
    END $$`.execute(db);
  // The base tables keep their row-level security (defence in depth) but administration reads none.
  await sql`REVOKE ALL ON ${sql.raw(ADMIN_BASE_TABLES.join(", "))} FROM hrvend_admin`.execute(db);
  await sql`REVOKE USAGE ON SCHEMA reorder, stock FROM hrvend_admin`.execute(db);

  // ---- 2. sizes and row counts through the catalogue ----
  await sql`
    DO $$
    DECLARE
      keep text;
      r record;
    BEGIN
      SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO keep
        FROM pg_attribute
       WHERE attrelid = 'pg_catalog.pg_class'::regclass AND attnum > 0 AND NOT attisdropped
         AND attname <> ALL (${sql.lit(`{${PG_CLASS_HIDDEN.join(",")}}`)}::name[]);
      REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC;
      EXECUTE format('GRANT SELECT (%s) ON pg_catalog.pg_class TO PUBLIC', keep);
      GRANT SELECT ON pg_catalog.pg_class TO pg_monitor;

      -- TimescaleDB's catalogue and information views: chunks with their time ranges, slices, sizes.
      FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ANY (${sql.lit(`{${TSDB_SCHEMAS.join(",")}}`)}::name[])
                  AND c.relkind IN ('r', 'v', 'm', 'p')
                  AND c.relname !~ '^_hyper_|^compress_hyper_' LOOP
        EXECUTE format('REVOKE SELECT ON %s FROM PUBLIC', r.rel);
        EXECUTE format('GRANT SELECT ON %s TO pg_monitor, hrvend_writer', r.rel);
      END LOOP;
      FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
                 JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                 JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'timescaledb'
                WHERE p.proname ~ ${sql.lit(TSDB_FUNCTION_NAMES)} AND p.prokind = 'f' LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', r.fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO pg_monitor, hrvend_writer', r.fn);
      END LOOP;
    END $$`.execute(db);
  for (const f of PG_SIZE_FUNCTIONS) {
    const fn = sql.raw(`pg_catalog.${f}`);
    await sql`REVOKE EXECUTE ON FUNCTION ${fn} FROM PUBLIC`.execute(db);
    await sql`GRANT EXECUTE ON FUNCTION ${fn} TO pg_monitor`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const f of PG_SIZE_FUNCTIONS)
    await sql`GRANT EXECUTE ON FUNCTION ${sql.raw(`pg_catalog.${f}`)} TO PUBLIC`.execute(db);
  await sql`GRANT SELECT ON pg_catalog.pg_class TO PUBLIC`.execute(db);
  await sql`
    DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ANY (${sql.lit(`{${TSDB_SCHEMAS.join(",")}}`)}::name[])
                  AND c.relkind IN ('r', 'v', 'm', 'p') AND c.relname !~ '^_hyper_|^compress_hyper_' LOOP
        EXECUTE format('GRANT SELECT ON %s TO PUBLIC', r.rel);
      END LOOP;
      FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
                 JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                 JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'timescaledb'
                WHERE p.proname ~ ${sql.lit(TSDB_FUNCTION_NAMES)} AND p.prokind = 'f' LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', r.fn);
      END LOOP;
    END $$`.execute(db);
  await sql`GRANT USAGE ON SCHEMA reorder, stock TO hrvend_admin`.execute(db);
  // The views stay on the definer functions (the rows are the same); the base-table grants of 0010
  // are not restored: they were the leak.
}
