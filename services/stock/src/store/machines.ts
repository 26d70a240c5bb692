import { sql } from "kysely";
import {
  type LotState,
  type MachineInput,
  type MachineState,
  type SeqOrder,
  type SlotState,
  type StoredMachine,
  stockedLots,
} from "../domain";
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

/** A stored machine and the version of its row (a new one at every write, whoever the writer). */
export interface VersionedMachine {
  stored: StoredMachine;
  version: number;
}

/** The row versions of the stored machines among `machineIds`, their rows locked for the transaction. */
export async function machineVersions(trx: StockDb, machineIds: string[]): Promise<Map<string, number>> {
  if (machineIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom("stock.machine_state")
    .select(["machine_id", "version"])
    .where("machine_id", "=", sql<string>`ANY(${machineIds}::text[])`)
    .orderBy("machine_id")
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.machine_id, Number(r.version)]));
}

interface MachineRow {
  machine_id: string;
  prison_id: string | null;
  state: MachineState;
  seq_order: Omit<SeqOrder, "held">;
  held: MachineInput[];
  version: string;
}

/** A machine's row and its held events (rows of stock.held_event, in seq order) as the domain keeps them. */
const versioned = (r: MachineRow): VersionedMachine => ({
  stored: { machine: r.state, order: { ...r.seq_order, held: r.held } },
  version: Number(r.version),
});

const HELD = sql`COALESCE((SELECT jsonb_agg(h.event ORDER BY h.seq, h.k) FROM stock.held_event h
  WHERE h.machine_id = m.machine_id), '[]'::jsonb)`;

/** The stored machines among `machineIds`, their rows locked for the transaction (in machine order). */
export async function loadMachines(
  trx: StockDb,
  machineIds: string[],
): Promise<Map<string, VersionedMachine>> {
  if (machineIds.length === 0) return new Map();
  const { rows } = await sql<MachineRow>`
    SELECT m.machine_id, m.prison_id, m.state, m.seq_order, m.version, ${HELD} AS held
    FROM stock.machine_state m WHERE m.machine_id = ANY(${machineIds}::text[])
    ORDER BY m.machine_id FOR UPDATE OF m`.execute(trx);
  return new Map(rows.map((r) => [r.machine_id, versioned(r)]));
}

/** Every stored machine with its prison, without locks (the live timer's first look). */
export async function allMachines(
  db: StockDb,
): Promise<{ machineId: string; prisonId: string | null; stored: StoredMachine }[]> {
  const { rows } = await sql<MachineRow>`
    SELECT m.machine_id, m.prison_id, m.state, m.seq_order, m.version, ${HELD} AS held
    FROM stock.machine_state m`.execute(db);
  return rows.map((r) => ({ machineId: r.machine_id, prisonId: r.prison_id, stored: versioned(r).stored }));
}

/** A machine's state after a fold, and as it was stored before (undefined: not stored yet). */
export interface MachineWrite {
  next: StoredMachine;
  prev: StoredMachine | undefined;
}

/** A slot's row in stock.slot (the fields Grafana reads). */
function slotRow(s: MachineState, slot: SlotState) {
  return {
    machine_id: s.machineId,
    slot_id: slot.slotId,
    prison_id: s.prisonId,
    item_id: slot.itemId,
    capacity: slot.capacity,
    level: slot.level,
    level_at: slot.levelAt,
    lots: stockedLots(slot.lots),
  };
}

function healthRow(s: MachineState) {
  const h = s.health;
  return {
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
  };
}

const sameLots = (a: readonly LotState[], b: readonly LotState[]): boolean =>
  a.length === b.length &&
  a.every((l, i) => {
    const o = b[i] as LotState;
    return l.lotId === o.lotId && l.expiry === o.expiry && l.quantity === o.quantity;
  });

/** Whether two rows hold the same values (flat rows; `lots` compared lot by lot). */
function sameRow(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  for (const key of Object.keys(a)) {
    const x = a[key];
    const y = b[key];
    if (key === "lots") {
      if (!sameLots(x as LotState[], y as LotState[])) return false;
    } else if (x !== y) return false;
  }
  return true;
}

const seqOf = (e: MachineInput): number => (e as { seq: number }).seq;

/**
 * The held events keyed as stored: (seq, k), k counting the events held with the same seq in
 * arrival order. A seq's events are held and applied together (SeqOrder), so a key names the
 * same event in two states of one machine.
 */
function heldByKey(
  held: readonly MachineInput[],
): Map<string, { seq: number; k: number; event: MachineInput }> {
  const out = new Map<string, { seq: number; k: number; event: MachineInput }>();
  let last = Number.NaN;
  let k = 0;
  for (const event of held) {
    const seq = seqOf(event);
    k = seq === last ? k + 1 : 0;
    last = seq;
    out.set(`${seq}/${k}`, { seq, k, event });
  }
  return out;
}

/**
 * Writes what a batch changed, set-based (one statement per table whatever the number of
 * machines): a machine's row only if its state or order changed, with a new version; the
 * slot and health rows Grafana reads only where their values changed; held events as inserted
 * and deleted rows. Returns the new version of every machine row written.
 */
export async function saveMachines(
  trx: StockDb,
  writes: Iterable<MachineWrite>,
): Promise<Map<string, number>> {
  const states: unknown[] = [];
  const slots: unknown[] = [];
  const health: unknown[] = [];
  const heldIn: unknown[] = [];
  const heldOut: unknown[] = [];
  for (const { next, prev } of writes) {
    if (prev !== undefined && next.machine === prev.machine && next.order === prev.order) continue;
    const s = next.machine;
    const { held, ...order } = next.order;
    states.push({ machine_id: s.machineId, prison_id: s.prisonId, state: s, seq_order: order });
    const before = prev?.machine;
    for (const slot of Object.values(s.slots)) {
      const row = slotRow(s, slot);
      const old = before?.slots[slot.slotId];
      if (before === undefined || old === undefined || !sameRow(row, slotRow(before, old))) slots.push(row);
    }
    const h = healthRow(s);
    if (before === undefined || !sameRow(h, healthRow(before))) health.push(h);
    if (prev === undefined || held !== prev.order.held) {
      const was = heldByKey(prev?.order.held ?? []);
      const now = heldByKey(held);
      for (const [key, e] of now)
        if (!was.has(key)) heldIn.push({ machine_id: s.machineId, seq: e.seq, k: e.k, event: e.event });
      for (const [key, e] of was)
        if (!now.has(key)) heldOut.push({ machine_id: s.machineId, seq: e.seq, k: e.k });
    }
  }
  const versions = new Map<string, number>();
  if (states.length === 0) return versions;
  const { rows } = await sql<{ machine_id: string; version: string }>`
    INSERT INTO stock.machine_state AS m (machine_id, prison_id, state, seq_order, version)
    SELECT machine_id, prison_id, state, seq_order, nextval('stock.machine_version')
    FROM jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
      AS r(machine_id text, prison_id text, state jsonb, seq_order jsonb)
    ON CONFLICT (machine_id) DO UPDATE SET prison_id = excluded.prison_id, state = excluded.state,
      seq_order = excluded.seq_order, version = excluded.version, updated_at = now()
    RETURNING machine_id, version`.execute(trx);
  for (const r of rows) versions.set(r.machine_id, Number(r.version));
  if (heldOut.length > 0)
    await sql`
      DELETE FROM stock.held_event h
      USING jsonb_to_recordset(${JSON.stringify(heldOut)}::jsonb) AS r(machine_id text, seq bigint, k integer)
      WHERE h.machine_id = r.machine_id AND h.seq = r.seq AND h.k = r.k`.execute(trx);
  if (heldIn.length > 0)
    await sql`
      INSERT INTO stock.held_event (machine_id, seq, k, event)
      SELECT machine_id, seq, k, event
      FROM jsonb_to_recordset(${JSON.stringify(heldIn)}::jsonb) AS r(machine_id text, seq bigint, k integer, event jsonb)
      ON CONFLICT (machine_id, seq, k) DO UPDATE SET event = excluded.event`.execute(trx);
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
  if (health.length > 0)
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
  return versions;
}
