import { type Kysely, sql } from "kysely";

/**
 * The stock service's tables: one JSON state per machine (the domain's MachineState), the level
 * changes (a hypertable, one row per stock event), current slot levels and machine health for
 * quick reads, and alerts with their lifecycle. Reporting views expose no card token.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA stock`.execute(db);
  await sql`REVOKE ALL ON SCHEMA stock FROM PUBLIC`.execute(db);
  await sql`
    CREATE TABLE stock.item (
      item_id text PRIMARY KEY,
      info    jsonb NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE stock.machine_state (
      machine_id text PRIMARY KEY,
      prison_id  text,
      state      jsonb       NOT NULL,
      -- Events held until the gaps before them fill (the domain's SeqOrder).
      seq_order  jsonb       NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE stock.level_change (
      device_time timestamptz NOT NULL,
      event_key   text        NOT NULL,
      prison_id   text        NOT NULL,
      machine_id  text        NOT NULL,
      slot_id     text        NOT NULL,
      item_id     text        NOT NULL,
      seq         bigint      NOT NULL,
      level       integer     NOT NULL CHECK (level >= 0),
      delta       integer     NOT NULL,
      cause       text        NOT NULL,
      reason      text,
      PRIMARY KEY (event_key, device_time)
    )`.execute(db);
  await sql`SELECT create_hypertable('stock.level_change', by_range('device_time', INTERVAL '7 days'))`.execute(
    db,
  );
  await sql`CREATE INDEX level_change_slot_time ON stock.level_change (machine_id, slot_id, device_time)`.execute(
    db,
  );
  await sql`
    CREATE TABLE stock.slot (
      machine_id text        NOT NULL,
      slot_id    text        NOT NULL,
      prison_id  text,
      item_id    text        NOT NULL,
      capacity   integer,
      level      integer,
      level_at   timestamptz,
      lots       jsonb       NOT NULL DEFAULT '[]',
      PRIMARY KEY (machine_id, slot_id)
    )`.execute(db);
  await sql`
    CREATE TABLE stock.machine_health (
      machine_id    text PRIMARY KEY,
      prison_id     text,
      status        text NOT NULL,
      status_since  timestamptz,
      last_seen_at  timestamptz,
      temperature_c double precision,
      door          text,
      power         text,
      battery_pct   double precision,
      firmware      text
    )`.execute(db);
  await sql`
    CREATE TABLE stock.alert (
      alert_id        text PRIMARY KEY,
      prison_id       text,
      machine_id      text        NOT NULL,
      slot_id         text,
      type            text        NOT NULL,
      detail          text        NOT NULL,
      raised_at       timestamptz NOT NULL,
      acknowledged_at timestamptz,
      acknowledged_by text,
      cleared_at      timestamptz,
      reminded_at     timestamptz
    )`.execute(db);
  await sql`CREATE INDEX alert_active ON stock.alert (machine_id, type) WHERE cleared_at IS NULL`.execute(db);
  await sql`GRANT USAGE ON SCHEMA stock TO hrvend_writer`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA stock TO hrvend_writer`.execute(db);

  await sql`
    CREATE VIEW reporting.slot_stock AS
      SELECT s.prison_id, s.machine_id, s.slot_id, s.item_id, s.capacity, s.level,
             CASE WHEN s.capacity > 0 THEN round(100.0 * s.level / s.capacity, 1) END AS fill_pct, s.level_at
      FROM stock.slot s`.execute(db);
  await sql`
    CREATE VIEW reporting.stock_level_change AS
      SELECT device_time, prison_id, machine_id, slot_id, item_id, level, delta, cause, reason
      FROM stock.level_change`.execute(db);
  await sql`
    CREATE VIEW reporting.machine_health AS
      SELECT prison_id, machine_id, status, status_since, last_seen_at, temperature_c, door, power, battery_pct, firmware
      FROM stock.machine_health`.execute(db);
  await sql`
    CREATE VIEW reporting.alert AS
      SELECT alert_id, prison_id, machine_id, slot_id, type, detail, raised_at, acknowledged_at, acknowledged_by,
             cleared_at, cleared_at IS NULL AS active
      FROM stock.alert`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW reporting.alert, reporting.machine_health, reporting.stock_level_change, reporting.slot_stock`.execute(
    db,
  );
  await sql`DROP SCHEMA stock CASCADE`.execute(db);
}
