import { type Kysely, sql } from "kysely";

/**
 * `stock.machine_state` is rewritten at every batch that touches a machine (a heartbeat moves its
 * seen seqs and health). Rows are 1.5–2 kB, so at the default fillfactor (100) a page has no room
 * for the new version and each update moves the row to another page, leaving the old one dead
 * until autovacuum: on the estate (4,500 machines, a heartbeat each a minute) the table grew
 * ~20 kB per machine in minutes (issue #20's storage bench). With half of each page free the
 * update stays on its page (a HOT update: no column it changes is indexed) and the page's dead
 * versions are pruned when it fills, so the table stays near its live size. Autovacuum is also
 * asked to come sooner than the default 20 % of the rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE stock.machine_state SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE stock.machine_state RESET (fillfactor, autovacuum_vacuum_scale_factor)`.execute(db);
}
