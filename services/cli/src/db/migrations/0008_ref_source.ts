import { type Kysely, sql } from "kysely";

/**
 * Reference data is ordered per source, never across sources (issue #14): each prison, machine
 * and item remembers the registry source that first defined it (`ref_source`), and only that
 * source's later events (higher seq) change it; anything from another source never enters.
 * Before this column, any source's higher seq won. Rows already there keep a null source and are
 * claimed by the next registration (coverage.prison can be backfilled from its event key
 * `source:seq`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE reorder.prison ADD COLUMN ref_source text`.execute(db);
  await sql`ALTER TABLE reorder.machine ADD COLUMN ref_source text`.execute(db);
  await sql`ALTER TABLE coverage.prison ADD COLUMN ref_source text`.execute(db);
  await sql`ALTER TABLE coverage.item ADD COLUMN ref_source text`.execute(db);
  await sql`UPDATE coverage.prison SET ref_source = split_part(ref_key, ':', 1) WHERE ref_key LIKE '%:%'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["reorder.prison", "reorder.machine", "coverage.prison", "coverage.item"])
    await sql`ALTER TABLE ${sql.raw(t)} DROP COLUMN ref_source`.execute(db);
}
