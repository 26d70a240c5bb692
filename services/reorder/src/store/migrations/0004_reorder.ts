import { type Kysely, sql } from "kysely";

/**
 * The reorder service's tables (services/reorder/README.md). What it applies from the stream,
 * idempotently on the event key: reference data (prisons, machines, slots), stock level changes
 * (one row per dispense / restock / adjustment, keyed by event key: the idempotency index that
 * also feeds stockout intervals), dispenses per local day and naloxone lots per slot (both added
 * to only for level changes that were new in the same transaction). What it derives, per prison,
 * from those tables alone (so a rebuild from the stream gives the same rows): slot parameters
 * (demand, max-min, days of cover) and the restock plan for the next visit, each with the
 * prison's `revision` it was computed from. Plain tables (a hypertable's unique keys would have
 * to include the time, and the event key alone must be unique). Grafana reads the reporting views,
 * none of which carries a card token (the service never stores one).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA reorder`.execute(db);
  await sql`REVOKE ALL ON SCHEMA reorder FROM PUBLIC`.execute(db);

  await sql`
    CREATE TABLE reorder.prison (
      prison_id     text PRIMARY KEY,
      name          text,
      time_zone     text,
      capacity      integer,
      -- seq of the ref_prison event applied: an older one never overwrites a newer one
      ref_seq       bigint,
      -- latest event time seen for the prison: the "now" plans are computed at (deterministic on replay)
      last_event_at timestamptz,
      -- batches that touched the prison; derived rows record the revision they were computed from
      revision      bigint NOT NULL DEFAULT 0
    )`.execute(db);
  await sql`
    CREATE TABLE reorder.machine (
      machine_id text PRIMARY KEY,
      prison_id  text    NOT NULL,
      location   text    NOT NULL,
      active     boolean NOT NULL,
      ref_seq    bigint  NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE reorder.slot (
      machine_id text    NOT NULL,
      slot_id    text    NOT NULL,
      prison_id  text    NOT NULL,
      item_id    text    NOT NULL,
      capacity   integer NOT NULL CHECK (capacity >= 0),
      -- the machine vends an item from its first stocked slot: slot order matters
      position   integer NOT NULL,
      PRIMARY KEY (machine_id, slot_id)
    )`.execute(db);
  await sql`CREATE INDEX reorder_slot_prison ON reorder.slot (prison_id)`.execute(db);

  await sql`
    CREATE TABLE reorder.level_change (
      event_key   text        PRIMARY KEY,
      prison_id   text        NOT NULL,
      machine_id  text        NOT NULL,
      slot_id     text        NOT NULL,
      item_id     text        NOT NULL,
      kind        text        NOT NULL CHECK (kind IN ('dispense', 'restock', 'stock_adjustment')),
      device_time timestamptz NOT NULL,
      seq         bigint      NOT NULL,
      level       integer     NOT NULL CHECK (level >= 0),
      delta       integer     NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX reorder_level_change_prison_time ON reorder.level_change (prison_id, device_time)`.execute(
    db,
  );
  // Current level (latest seq) and level when a demand window starts (latest before it).
  await sql`CREATE INDEX reorder_level_change_slot_seq ON reorder.level_change (machine_id, slot_id, seq)`.execute(
    db,
  );
  await sql`CREATE INDEX reorder_level_change_slot_time ON reorder.level_change (machine_id, slot_id, device_time, seq)`.execute(
    db,
  );

  await sql`
    CREATE TABLE reorder.dispense_daily (
      prison_id  text    NOT NULL,
      machine_id text    NOT NULL,
      item_id    text    NOT NULL,
      local_date date    NOT NULL,
      quantity   integer NOT NULL CHECK (quantity >= 0),
      dispenses  integer NOT NULL CHECK (dispenses >= 0),
      PRIMARY KEY (prison_id, machine_id, item_id, local_date)
    )`.execute(db);
  await sql`
    CREATE TABLE reorder.lot_stock (
      machine_id text    NOT NULL,
      slot_id    text    NOT NULL,
      lot_id     text    NOT NULL,
      prison_id  text    NOT NULL,
      item_id    text    NOT NULL,
      expiry     date,
      -- sum of the lot's restocks, dispenses and adjustments applied so far (order-independent)
      quantity   integer NOT NULL,
      PRIMARY KEY (machine_id, slot_id, lot_id)
    )`.execute(db);

  await sql`
    CREATE TABLE reorder.visit_schedule (
      prison_id       text PRIMARY KEY,
      anchor_date     date             NOT NULL,
      first_visit_day integer          NOT NULL CHECK (first_visit_day >= 0),
      interval_days   double precision NOT NULL CHECK (interval_days > 0),
      visit_hour      double precision NOT NULL CHECK (visit_hour >= 0 AND visit_hour < 24),
      lead_time_days  double precision NOT NULL CHECK (lead_time_days >= 0),
      z               double precision NOT NULL CHECK (z >= 0),
      window_days     integer          NOT NULL CHECK (window_days >= 1)
    )`.execute(db);
  await sql`
    CREATE TABLE reorder.slot_parameters (
      prison_id             text             NOT NULL,
      machine_id            text             NOT NULL,
      slot_id               text             NOT NULL,
      item_id               text             NOT NULL,
      capacity              integer          NOT NULL,
      stock                 integer          NOT NULL,
      lots                  jsonb            NOT NULL,
      source                text             NOT NULL,
      average_daily         double precision NOT NULL,
      sigma                 double precision NOT NULL,
      weekday_factors       double precision[] NOT NULL,
      safety_stock          double precision NOT NULL,
      min                   integer          NOT NULL,
      max                   integer          NOT NULL,
      days_of_cover         double precision,
      projected_stockout_at timestamptz,
      as_of                 timestamptz      NOT NULL,
      revision              bigint           NOT NULL,
      computed_at           timestamptz      NOT NULL DEFAULT now(),
      PRIMARY KEY (prison_id, machine_id, slot_id),
      CHECK (min <= max AND max <= capacity)
    )`.execute(db);
  await sql`
    CREATE TABLE reorder.restock_plan (
      prison_id          text PRIMARY KEY,
      visit_at           timestamptz NOT NULL,
      following_visit_at timestamptz NOT NULL,
      as_of              timestamptz NOT NULL,
      -- the domain's RestockPlan as is (instants in epoch ms); json, not jsonb: kept verbatim, in
      -- the domain's key order, so what the CLI prints does not depend on where the plan came from
      plan               json        NOT NULL,
      revision           bigint      NOT NULL,
      computed_at        timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`GRANT USAGE ON SCHEMA reorder TO hrvend_writer`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA reorder TO hrvend_writer`.execute(
    db,
  );

  // Grafana: plans and forecasts; no card token exists in this schema to begin with.
  await sql`
    CREATE VIEW reporting.restock_plan_line AS
      SELECT p.prison_id, p.visit_at, p.following_visit_at, p.as_of,
             (m->>'priority')::integer AS priority, m->>'machineId' AS machine_id, m->>'location' AS location,
             s->>'slotId' AS slot_id, s->>'itemId' AS item_id, (s->>'capacity')::integer AS capacity,
             (s->>'stockNow')::integer AS stock_now, (s->>'daysOfCover')::double precision AS days_of_cover,
             to_timestamp((s->>'projectedStockoutAt')::double precision / 1000) AS projected_stockout_at,
             (s->>'projectedAtVisit')::integer AS projected_at_visit, (s->>'min')::integer AS min,
             (s->>'max')::integer AS max, (s->>'quantity')::integer AS quantity,
             (s->>'swapUnits')::integer AS swap_units, (s->>'loadUnits')::integer AS load_units
      FROM reorder.restock_plan p
      CROSS JOIN LATERAL json_array_elements(p.plan->'machines') AS m
      CROSS JOIN LATERAL json_array_elements(m->'slots') AS s`.execute(db);
  await sql`
    CREATE VIEW reporting.restock_pick_list AS
      SELECT p.prison_id, p.visit_at, l->>'itemId' AS item_id, (l->>'restockUnits')::integer AS restock_units,
             (l->>'replacementUnits')::integer AS replacement_units, (l->>'totalUnits')::integer AS total_units
      FROM reorder.restock_plan p
      CROSS JOIN LATERAL json_array_elements(p.plan->'pickList') AS l`.execute(db);
  await sql`
    CREATE VIEW reporting.slot_forecast AS
      SELECT sp.prison_id, sp.machine_id, m.location, sp.slot_id, sp.item_id, sp.capacity, sp.stock, sp.source,
             sp.average_daily, sp.sigma, sp.safety_stock, sp.min, sp.max, sp.days_of_cover,
             sp.projected_stockout_at, sp.stock < sp.min AS below_min, sp.as_of
      FROM reorder.slot_parameters sp
      LEFT JOIN reorder.machine m USING (machine_id)`.execute(db);
  await sql`
    CREATE VIEW reporting.dispense_daily AS
      SELECT prison_id, machine_id, item_id, local_date, quantity, dispenses FROM reorder.dispense_daily`.execute(
    db,
  );
  await sql`
    GRANT SELECT ON reporting.restock_plan_line, reporting.restock_pick_list, reporting.slot_forecast,
      reporting.dispense_daily TO hrvend_grafana`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP VIEW reporting.dispense_daily, reporting.slot_forecast, reporting.restock_pick_list,
      reporting.restock_plan_line`.execute(db);
  await sql`DROP SCHEMA reorder CASCADE`.execute(db);
}
