import { type Kysely, sql } from "kysely";

/**
 * Corrections supersede (red-team finding on the OAT import): coverage keeps one OAT register
 * entry per (prison, client token, local date, event), the README's key of a register row, instead
 * of one per event key (`source:seq`), so a corrected row (another time, say) replaces the earlier
 * one. The newest report wins: the higher seq, and between two sources with the same seq the
 * greater source id; census days, keyed (prison, date), get the same order (`source_id`). Entries
 * already superseded are deleted here; the figures computed from them are recounted by
 * `hrvend replay --service coverage` (docs/decisions.md). Census days already stored keep an
 * empty source id (they lose a tie of seqs to any named source); the service always names it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE coverage.oat_event ADD COLUMN source_id text NOT NULL DEFAULT ''`.execute(db);
  await sql`UPDATE coverage.oat_event SET source_id = regexp_replace(event_key, ':[^:]*$', '')`.execute(db);
  await sql`
    DELETE FROM coverage.oat_event o USING coverage.oat_event n
    WHERE n.prison_id = o.prison_id AND n.client_token = o.client_token AND n.local_date = o.local_date
      AND n.action = o.action AND (n.seq, n.source_id) > (o.seq, o.source_id)`.execute(db);
  await sql`ALTER TABLE coverage.oat_event DROP CONSTRAINT oat_event_pkey`.execute(db);
  await sql`ALTER TABLE coverage.oat_event ADD PRIMARY KEY (prison_id, client_token, local_date, action)`.execute(
    db,
  );
  await sql`ALTER TABLE coverage.census_day ADD COLUMN source_id text NOT NULL DEFAULT ''`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE coverage.census_day DROP COLUMN source_id`.execute(db);
  await sql`ALTER TABLE coverage.oat_event DROP CONSTRAINT oat_event_pkey`.execute(db);
  await sql`ALTER TABLE coverage.oat_event ADD PRIMARY KEY (event_key)`.execute(db);
  await sql`ALTER TABLE coverage.oat_event DROP COLUMN source_id`.execute(db);
}
