import { type Kysely, sql } from "kysely";

/**
 * Retention (issue #20): how long each hypertable keeps its rows, one setting per table, read by
 * `hrvend retention run` (the deployment's daily `hrvend-retention.timer`), which drops whole
 * chunks with TimescaleDB's `drop_chunks` (Apache edition; no background policy). A table
 * without a row here is never dropped. Defaults: raw events and stock level changes 400 days (a
 * year and a quarter: a late census or OAT correction can still be reconciled against the
 * events of the whole previous year), dead letters 90 days (kept for inspection, then gone).
 * Owner only: no audience role reads or changes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ops.retention_policy (
      table_name text PRIMARY KEY CHECK (table_name ~ '^[a-z_]+\\.[a-z_]+$'),
      keep interval NOT NULL CHECK (keep >= INTERVAL '1 day'),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    INSERT INTO ops.retention_policy (table_name, keep) VALUES
      ('ingest.raw_event', INTERVAL '400 days'),
      ('ingest.dead_letter', INTERVAL '90 days'),
      ('stock.level_change', INTERVAL '400 days')`.execute(db);
  await sql`REVOKE ALL ON ops.retention_policy FROM PUBLIC`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE ops.retention_policy`.execute(db);
}
