import { type Kysely, sql } from "kysely";

/**
 * Operators number parked messages by the visible copies alone (red team, finding 1).
 *
 * `reporting.parked_message` showed `ops.parked_message.id`, an identity over every parked
 * message: the health unit's, hidden from operators since 0017, took numbers too, so a gap
 * between two visible ids counted the hidden ones parked between them (and the parked times
 * either side told when). The operator's id is now `ops.parked_shown.shown_id`, from a sequence
 * of its own that only a visible copy advances (its first insert; an update does not draw a
 * number, as `INSERT … ON CONFLICT` would).
 *
 * The database owner keeps the global id (`hrvend parked list|show|retry`); an operator's id
 * maps to it through `ops.parked_shown` (`SELECT id FROM ops.parked_shown WHERE shown_id = …`).
 */
const COLUMNS = [
  "consumer",
  "stream",
  "subject",
  "event_key",
  "verdict",
  "error_class",
  "error_code",
  "error_message",
  "tries",
  "parked_at",
  "retry_requested_at",
  "retries",
  "resolved_at",
] as const;
const OTHERS = COLUMNS.join(", ");

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SEQUENCE ops.parked_shown_id_seq AS bigint`.execute(db);
  await sql`ALTER TABLE ops.parked_shown ADD COLUMN shown_id bigint`.execute(db);
  await sql`
    UPDATE ops.parked_shown s SET shown_id = n.rn
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM ops.parked_shown) n
    WHERE n.id = s.id`.execute(db);
  await sql`SELECT setval('ops.parked_shown_id_seq', coalesce(max(shown_id), 0) + 1, false) FROM ops.parked_shown`.execute(
    db,
  );
  await sql`
    ALTER TABLE ops.parked_shown
      ALTER COLUMN shown_id SET DEFAULT nextval('ops.parked_shown_id_seq'),
      ALTER COLUMN shown_id SET NOT NULL,
      ADD CONSTRAINT parked_shown_shown_id_key UNIQUE (shown_id)`.execute(db);
  await sql`ALTER SEQUENCE ops.parked_shown_id_seq OWNED BY ops.parked_shown.shown_id`.execute(db);

  const sets = sql.raw(COLUMNS.map((c) => `${c} = NEW.${c}`).join(", "));
  const fromNew = sql.raw(COLUMNS.map((c) => `NEW.${c}`).join(", "));
  await sql`
    CREATE OR REPLACE FUNCTION ops.show_parked() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM ops.parked_shown WHERE id = OLD.id;
      ELSIF split_part(NEW.subject, '.', 5) = 'oat' OR ingest.oat_register_bytes(NULL, NEW.data) THEN
        IF TG_OP = 'UPDATE' THEN
          DELETE FROM ops.parked_shown WHERE id = NEW.id;
        END IF;
      ELSE
        -- Update first: only a new visible copy draws a number.
        UPDATE ops.parked_shown SET ${sets} WHERE id = NEW.id;
        IF NOT FOUND THEN
          INSERT INTO ops.parked_shown (id, ${sql.raw(OTHERS)}) VALUES (NEW.id, ${fromNew});
        END IF;
      END IF;
      RETURN NULL;
    END $$`.execute(db);

  // Same name and type (bigint) for the id: the operator's dashboards read it unchanged.
  await sql`
    CREATE OR REPLACE VIEW reporting.parked_message AS
      SELECT shown_id AS id, ${sql.raw(OTHERS)} FROM ops.parked_shown`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE VIEW reporting.parked_message AS
      SELECT id, ${sql.raw(OTHERS)} FROM ops.parked_shown`.execute(db);
  const updates = sql.raw(COLUMNS.map((c) => `${c} = excluded.${c}`).join(", "));
  const fromNew = sql.raw(COLUMNS.map((c) => `NEW.${c}`).join(", "));
  await sql`
    CREATE OR REPLACE FUNCTION ops.show_parked() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        DELETE FROM ops.parked_shown WHERE id = OLD.id;
      ELSIF split_part(NEW.subject, '.', 5) = 'oat' OR ingest.oat_register_bytes(NULL, NEW.data) THEN
        IF TG_OP = 'UPDATE' THEN
          DELETE FROM ops.parked_shown WHERE id = NEW.id;
        END IF;
      ELSE
        INSERT INTO ops.parked_shown (id, ${sql.raw(OTHERS)}) VALUES (NEW.id, ${fromNew})
        ON CONFLICT (id) DO UPDATE SET ${updates};
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`ALTER TABLE ops.parked_shown DROP COLUMN shown_id`.execute(db);
}
