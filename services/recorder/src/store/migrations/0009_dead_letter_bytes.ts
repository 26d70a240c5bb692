import { type Kysely, sql } from "kysely";

/**
 * Dead letters keep payload bytes only as bytes (issue #14):
 *
 * - `payload_excerpt` becomes bytea. As text, an excerpt holding a NUL byte (or, decoded leniently,
 *   invalid UTF-8) was refused by PostgreSQL, and the dead-letter recorder retried it forever: no
 *   later dead letter was stored. Bytes of any value store; the excerpt stays in `ingest`, which no
 *   reporting role reads (the services' writer role and the database owner only).
 * - Reason texts written before this migration may quote payload bytes (the JSON parser's text
 *   around an error, a received value): they are replaced by a notice, since the operators' view
 *   `reporting.dead_letter_recent` shows reasons. Reasons written since are built from the
 *   contract's vocabulary only (reason, path, expectation, length, position).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE ingest.dead_letter
      ALTER COLUMN payload_excerpt TYPE bytea USING convert_to(payload_excerpt, 'UTF8')`.execute(db);
  await sql`
    UPDATE ingest.dead_letter
       SET message = 'reason withheld: written before migration 0009, it may quote payload bytes; see payload_excerpt'
     WHERE reason IN ('malformed_json', 'schema', 'unknown_kind', 'topic_mismatch', 'future_clock')`.execute(
    db,
  );
  await sql`COMMENT ON COLUMN ingest.dead_letter.payload_excerpt IS
    'First bytes of the rejected payload, as received (may hold a card UID or other secrets): never exposed by a reporting view'`.execute(
    db,
  );
  await sql`COMMENT ON COLUMN ingest.dead_letter.message IS
    'Why it was rejected, in the contract''s words only (reason, path, expectation, length, position): never payload bytes'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Bytes that are not UTF-8 (or hold NUL) cannot go back to text: they are kept as escaped text.
  await sql`
    ALTER TABLE ingest.dead_letter
      ALTER COLUMN payload_excerpt TYPE text USING encode(payload_excerpt, 'escape')`.execute(db);
}
