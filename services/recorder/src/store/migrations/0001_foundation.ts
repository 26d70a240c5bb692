import { type Kysely, sql } from "kysely";

/**
 * Foundation: raw events and dead letters as hypertables, the reporting and funder schemas, and
 * least-privilege roles. Apache-edition TimescaleDB only (no compression, no continuous
 * aggregates, no policies): see docs/architecture.md §Storage.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS timescaledb`.execute(db);

  // Roles are cluster-wide: create them once, whichever database migrates first.
  await sql`
    DO $$
    DECLARE r text;
    BEGIN
      FOREACH r IN ARRAY ARRAY['hrvend_writer', 'hrvend_grafana', 'hrvend_funder'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
          -- Two databases migrating at once (test files side by side): the loser finds it made.
          BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
          END;
        END IF;
      END LOOP;
    END $$`.execute(db);

  // ingest: what services write. No reporting role may read it (it holds card tokens).
  await sql`CREATE SCHEMA ingest`.execute(db);
  await sql`
    CREATE TABLE ingest.raw_event (
      event_time  timestamptz NOT NULL,
      event_key   text        NOT NULL,
      prison_id   text        NOT NULL,
      source_id   text        NOT NULL,
      seq         bigint      NOT NULL CHECK (seq > 0),
      kind        text        NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      payload     jsonb       NOT NULL,
      -- Idempotency on the event key; the partitioning column must be part of the key.
      PRIMARY KEY (event_key, event_time)
    )`.execute(db);
  await sql`SELECT create_hypertable('ingest.raw_event', by_range('event_time', INTERVAL '1 day'))`.execute(
    db,
  );
  await sql`CREATE INDEX raw_event_prison_kind_time ON ingest.raw_event (prison_id, kind, event_time DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX raw_event_source_seq ON ingest.raw_event (source_id, seq)`.execute(db);

  await sql`
    CREATE TABLE ingest.dead_letter (
      received_at     timestamptz NOT NULL,
      id              text        NOT NULL,
      reason          text        NOT NULL,
      message         text        NOT NULL,
      topic           text,
      source          text,
      payload_bytes   integer     NOT NULL CHECK (payload_bytes >= 0),
      payload_excerpt text,
      PRIMARY KEY (id, received_at)
    )`.execute(db);
  await sql`SELECT create_hypertable('ingest.dead_letter', by_range('received_at', INTERVAL '7 days'))`.execute(
    db,
  );
  await sql`CREATE INDEX dead_letter_reason_time ON ingest.dead_letter (reason, received_at DESC)`.execute(
    db,
  );

  // reporting: what Grafana reads. Views only, never a card token or a payload.
  await sql`CREATE SCHEMA reporting`.execute(db);
  await sql`
    CREATE VIEW reporting.ingest_hourly AS
      SELECT time_bucket(INTERVAL '1 hour', event_time) AS bucket, prison_id, kind, count(*) AS events
      FROM ingest.raw_event
      GROUP BY 1, 2, 3`.execute(db);
  await sql`
    CREATE VIEW reporting.dead_letter_recent AS
      SELECT received_at, id, reason, message, topic, source, payload_bytes
      FROM ingest.dead_letter`.execute(db);

  // funder: suppressed coverage views only (added by the coverage service's migrations).
  await sql`CREATE SCHEMA funder`.execute(db);

  await sql`REVOKE ALL ON SCHEMA ingest, reporting, funder FROM PUBLIC`.execute(db);
  await sql`GRANT USAGE ON SCHEMA ingest TO hrvend_writer`.execute(db);
  await sql`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ingest TO hrvend_writer`.execute(db);
  await sql`GRANT USAGE ON SCHEMA reporting TO hrvend_grafana`.execute(db);
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO hrvend_grafana`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO hrvend_grafana`.execute(
    db,
  );
  await sql`GRANT USAGE ON SCHEMA funder TO hrvend_funder`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA funder GRANT SELECT ON TABLES TO hrvend_funder`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA funder, reporting, ingest CASCADE`.execute(db);
}
