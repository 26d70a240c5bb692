import { type Kysely, sql } from "kysely";

/**
 * Tables reorder rewrites in place: `slot_parameters` at every recompute of a prison's plan (now
 * updated, no longer deleted and inserted) and `prison` at every batch (`last_event_at`). With
 * free room on each page the new version of a row stays on its page (a HOT update: no indexed
 * column changes) and the old ones are pruned, instead of a dead row per slot per recompute
 * waiting for autovacuum (issue #20's storage bench on the estate).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ["reorder.slot_parameters", "reorder.prison"]) {
    await sql`ALTER TABLE ${sql.raw(table)} SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02)`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["reorder.slot_parameters", "reorder.prison"]) {
    await sql`ALTER TABLE ${sql.raw(table)} RESET (fillfactor, autovacuum_vacuum_scale_factor)`.execute(db);
  }
}
