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

/** The machine's JSON state, and the rows Grafana reads: current slot levels and health. */
export async function saveMachine(trx: StockDb, stored: StoredMachine): Promise<void> {
  const s = stored.machine;
  await sql`
    INSERT INTO stock.machine_state (machine_id, prison_id, state, seq_order)
    VALUES (${s.machineId}, ${s.prisonId}, ${JSON.stringify(s)}, ${JSON.stringify(stored.order)})
    ON CONFLICT (machine_id) DO UPDATE SET prison_id = excluded.prison_id, state = excluded.state,
      seq_order = excluded.seq_order, updated_at = now()`.execute(trx);
  for (const slot of Object.values(s.slots)) {
    await sql`
      INSERT INTO stock.slot (machine_id, slot_id, prison_id, item_id, capacity, level, level_at, lots)
      VALUES (${s.machineId}, ${slot.slotId}, ${s.prisonId}, ${slot.itemId}, ${slot.capacity}, ${slot.level}, ${slot.levelAt},
              ${JSON.stringify(stockedLots(slot.lots))})
      ON CONFLICT (machine_id, slot_id) DO UPDATE SET prison_id = excluded.prison_id, item_id = excluded.item_id,
        capacity = excluded.capacity, level = excluded.level, level_at = excluded.level_at, lots = excluded.lots`.execute(
      trx,
    );
  }
  const h = s.health;
  await sql`
    INSERT INTO stock.machine_health (machine_id, prison_id, status, status_since, last_seen_at, temperature_c, door, power, battery_pct, firmware)
    VALUES (${s.machineId}, ${s.prisonId}, ${s.connection.status}, ${s.connection.since}, ${s.lastSeenAt},
            ${h?.temperatureC ?? null}, ${h?.door ?? null}, ${h?.power ?? null}, ${h?.batteryPct ?? null}, ${h?.firmware ?? null})
    ON CONFLICT (machine_id) DO UPDATE SET prison_id = excluded.prison_id, status = excluded.status,
      status_since = excluded.status_since, last_seen_at = excluded.last_seen_at, temperature_c = excluded.temperature_c,
      door = excluded.door, power = excluded.power, battery_pct = excluded.battery_pct, firmware = excluded.firmware`.execute(
    trx,
  );
}
