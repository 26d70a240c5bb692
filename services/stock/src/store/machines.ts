import { sql } from "kysely";
import { type StoredMachine, stockedLots } from "../domain";
import type { StockDb } from "./db";

/** The advisory-lock namespace of the stock service's machines. */
const ADVISORY_CLASS = 16_016;

/**
 * Serialises the transactions that change a machine (the events consumer, the dead-letter
 * consumer) also before its row exists: a dead-lettered seq of a machine the service has not
 * stored yet is then either in stock.dead_seq when the machine's first event is applied, or
 * finds the machine's row. Transaction-scoped advisory locks, taken in one order.
 */
export async function lockMachines(trx: StockDb, machineIds: string[]): Promise<void> {
  if (machineIds.length === 0) return;
  await sql`
    SELECT pg_advisory_xact_lock(${ADVISORY_CLASS}, h)
    FROM (SELECT DISTINCT hashtext(m) AS h FROM unnest(${machineIds}::text[]) AS m ORDER BY h) AS locks`.execute(
    trx,
  );
}

/** The stored machines among `machineIds`, their rows locked for the transaction (in machine order). */
export async function loadMachines(trx: StockDb, machineIds: string[]): Promise<Map<string, StoredMachine>> {
  if (machineIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom("stock.machine_state")
    .select(["machine_id", "state", "seq_order"])
    .where("machine_id", "=", sql<string>`ANY(${machineIds}::text[])`)
    .orderBy("machine_id")
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.machine_id, { machine: r.state, order: r.seq_order }]));
}

/** Every stored machine with its prison, without locks (the live timer's first look). */
export async function allMachines(
  db: StockDb,
): Promise<{ machineId: string; prisonId: string | null; stored: StoredMachine }[]> {
  const rows = await db
    .selectFrom("stock.machine_state")
    .select(["machine_id", "prison_id", "state", "seq_order"])
    .execute();
  return rows.map((r) => ({
    machineId: r.machine_id,
    prisonId: r.prison_id,
    stored: { machine: r.state, order: r.seq_order },
  }));
}

/**
 * The machines' JSON states, and the rows Grafana reads (current slot levels and health): three
 * set-based statements per batch whatever the number of machines and slots (issue #20: the
 * statement per slot was most of stock's round trips), rows passed as one JSON array each.
 */
export async function saveMachines(trx: StockDb, stored: Iterable<StoredMachine>): Promise<void> {
  const states: unknown[] = [];
  const slots: unknown[] = [];
  const health: unknown[] = [];
  for (const { machine: s, order } of stored) {
    states.push({ machine_id: s.machineId, prison_id: s.prisonId, state: s, seq_order: order });
    for (const slot of Object.values(s.slots))
      slots.push({
        machine_id: s.machineId,
        slot_id: slot.slotId,
        prison_id: s.prisonId,
        item_id: slot.itemId,
        capacity: slot.capacity,
        level: slot.level,
        level_at: slot.levelAt,
        lots: stockedLots(slot.lots),
      });
    const h = s.health;
    health.push({
      machine_id: s.machineId,
      prison_id: s.prisonId,
      status: s.connection.status,
      status_since: s.connection.since,
      last_seen_at: s.lastSeenAt,
      temperature_c: h?.temperatureC ?? null,
      door: h?.door ?? null,
      power: h?.power ?? null,
      battery_pct: h?.batteryPct ?? null,
      firmware: h?.firmware ?? null,
    });
  }
  if (states.length === 0) return;
  await sql`
    INSERT INTO stock.machine_state (machine_id, prison_id, state, seq_order)
    SELECT machine_id, prison_id, state, seq_order
    FROM jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
      AS r(machine_id text, prison_id text, state jsonb, seq_order jsonb)
    ON CONFLICT (machine_id) DO UPDATE SET prison_id = excluded.prison_id, state = excluded.state,
      seq_order = excluded.seq_order, updated_at = now()`.execute(trx);
  if (slots.length > 0)
    await sql`
      INSERT INTO stock.slot (machine_id, slot_id, prison_id, item_id, capacity, level, level_at, lots)
      SELECT machine_id, slot_id, prison_id, item_id, capacity, level, level_at, lots
      FROM jsonb_to_recordset(${JSON.stringify(slots)}::jsonb)
        AS r(machine_id text, slot_id text, prison_id text, item_id text, capacity integer, level integer,
             level_at timestamptz, lots jsonb)
      ON CONFLICT (machine_id, slot_id) DO UPDATE SET prison_id = excluded.prison_id, item_id = excluded.item_id,
        capacity = excluded.capacity, level = excluded.level, level_at = excluded.level_at, lots = excluded.lots`.execute(
      trx,
    );
  await sql`
    INSERT INTO stock.machine_health (machine_id, prison_id, status, status_since, last_seen_at, temperature_c, door, power, battery_pct, firmware)
    SELECT machine_id, prison_id, status, status_since, last_seen_at, temperature_c, door, power, battery_pct, firmware
    FROM jsonb_to_recordset(${JSON.stringify(health)}::jsonb)
      AS r(machine_id text, prison_id text, status text, status_since timestamptz, last_seen_at timestamptz,
           temperature_c double precision, door text, power text, battery_pct double precision, firmware text)
    ON CONFLICT (machine_id) DO UPDATE SET prison_id = excluded.prison_id, status = excluded.status,
      status_since = excluded.status_since, last_seen_at = excluded.last_seen_at, temperature_c = excluded.temperature_c,
      door = excluded.door, power = excluded.power, battery_pct = excluded.battery_pct, firmware = excluded.firmware`.execute(
    trx,
  );
}
