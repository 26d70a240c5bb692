import { type Kysely, sql } from "kysely";

/**
 * Stock writes deltas (issue #20):
 *
 * - `stock.machine_state.version`, a new value of the sequence `stock.machine_version` at every
 *   write of the row (the events consumer, the dead-letter consumer, the live timer, another
 *   instance after a lease moved): the instance that owns a machine keeps its state in memory
 *   and re-reads it only when the version it finds under the row lock is not the one it wrote.
 *   A sequence, not a per-row counter: a row deleted (a rebuild truncates) and written again
 *   never shows a version an instance has cached;
 * - the events a machine holds until the gap before them fills, one row each in
 *   `stock.held_event` (inserted when held, deleted when applied) instead of inside the
 *   `seq_order` JSON that every batch re-wrote whole. `k` tells apart events held with the same
 *   seq (a duplicate of a held event is held behind it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SEQUENCE stock.machine_version`.execute(db);
  await sql`ALTER TABLE stock.machine_state ADD COLUMN version bigint NOT NULL DEFAULT 0`.execute(db);
  await sql`
    CREATE TABLE stock.held_event (
      machine_id text   NOT NULL,
      seq        bigint NOT NULL,
      k          integer NOT NULL,
      event      jsonb  NOT NULL,
      PRIMARY KEY (machine_id, seq, k)
    )`.execute(db);
  await sql`
    INSERT INTO stock.held_event (machine_id, seq, k, event)
    SELECT m.machine_id, (h.e->>'seq')::bigint,
      (row_number() OVER (PARTITION BY m.machine_id, h.e->>'seq' ORDER BY h.i) - 1)::integer, h.e
    FROM stock.machine_state m,
      jsonb_array_elements(COALESCE(m.seq_order->'held', '[]'::jsonb)) WITH ORDINALITY AS h(e, i)`.execute(
    db,
  );
  await sql`UPDATE stock.machine_state SET seq_order = seq_order - 'held' WHERE seq_order ? 'held'`.execute(
    db,
  );
  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON stock.held_event TO hrvend_writer`.execute(db);
  await sql`GRANT USAGE ON SEQUENCE stock.machine_version TO hrvend_writer`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    UPDATE stock.machine_state m SET seq_order = m.seq_order || jsonb_build_object('held', COALESCE(
      (SELECT jsonb_agg(h.event ORDER BY h.seq, h.k) FROM stock.held_event h WHERE h.machine_id = m.machine_id),
      '[]'::jsonb))`.execute(db);
  await sql`DROP TABLE stock.held_event`.execute(db);
  await sql`ALTER TABLE stock.machine_state DROP COLUMN version`.execute(db);
  await sql`DROP SEQUENCE stock.machine_version`.execute(db);
}
