import { type Database, type StreamPosition, savePosition } from "@hrvend/infra/db";
import type { HrEvent } from "@hrvend/schemas";
import { type Kysely, sql, type Transaction } from "kysely";
import {
  type Alert,
  type AlertCommand,
  type AlertPolicy,
  admitInOrder,
  applyAlertCommand,
  evolveCatalog,
  type ItemCatalog,
  initialMachineState,
  type LevelChange,
  type MachineState,
  NEW_SEQ_ORDER,
  processMachineEvent,
  type SeqOrder,
  stockedLots,
} from "./domain";

export interface BatchResult {
  /** Alert records after the batch, for each command, to publish once committed. */
  alerts: { command: AlertCommand; alert: Alert }[];
  levelChanges: number;
  duplicates: number;
}

type Trx = Transaction<Database>;

/**
 * Applies a batch of stream events to the machines' states and writes everything the batch
 * changed, with the consumer's stream position, in one transaction (invariant 3).
 */
export async function applyBatch(
  db: Kysely<Database>,
  events: HrEvent[],
  position: StreamPosition,
  policy: AlertPolicy,
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    let catalog = await loadCatalog(trx);
    const machineIds = [...new Set(events.flatMap((e) => ("machineId" in e ? [e.machineId] : [])))];
    const states = await loadStates(trx, machineIds);
    const changed = new Set<string>();
    const levelChanges: LevelChange[] = [];
    const commands: AlertCommand[] = [];
    let duplicates = 0;
    for (const e of events) {
      if (e.kind === "ref_item") {
        catalog = evolveCatalog(catalog, e);
        await sql`INSERT INTO stock.item (item_id, info) VALUES (${e.itemId}, ${JSON.stringify(catalog[e.itemId])})
                  ON CONFLICT (item_id) DO UPDATE SET info = excluded.info`.execute(trx);
        continue;
      }
      if (!("machineId" in e)) continue;
      const current = states.get(e.machineId) ?? {
        machine: initialMachineState(e.machineId),
        order: NEW_SEQ_ORDER,
      };
      const admitted = admitInOrder(current.order, e);
      let machine = current.machine;
      for (const ready of admitted.ready) {
        const step = processMachineEvent(machine, ready, policy, catalog);
        if (step.duplicate) {
          duplicates++;
          continue;
        }
        machine = step.state;
        if (step.levelChange) levelChanges.push(step.levelChange);
        commands.push(...step.alerts);
      }
      states.set(e.machineId, { machine, order: admitted.order });
      changed.add(e.machineId);
    }
    for (const id of changed) await saveMachine(trx, states.get(id) as Stored);
    await insertLevelChanges(trx, levelChanges);
    const alerts = await applyAlerts(trx, commands);
    await savePosition(trx, position);
    return { alerts, levelChanges: levelChanges.length, duplicates };
  });
}

async function loadCatalog(trx: Trx): Promise<ItemCatalog> {
  const rows = await sql<{
    item_id: string;
    info: ItemCatalog[string];
  }>`SELECT item_id, info FROM stock.item`.execute(trx);
  return Object.fromEntries(rows.rows.map((r) => [r.item_id, r.info]));
}

/** A machine's domain state and its seq-order buffer, as stored. */
interface Stored {
  machine: MachineState;
  order: SeqOrder;
}

async function loadStates(trx: Trx, machineIds: string[]): Promise<Map<string, Stored>> {
  if (machineIds.length === 0) return new Map();
  const rows = await sql<{ machine_id: string; state: MachineState; seq_order: SeqOrder }>`
    SELECT machine_id, state, seq_order FROM stock.machine_state WHERE machine_id = ANY(${machineIds}::text[])`.execute(
    trx,
  );
  return new Map(rows.rows.map((r) => [r.machine_id, { machine: r.state, order: r.seq_order }]));
}

/** The machine's JSON state, and the rows Grafana reads: current slot levels and health. */
async function saveMachine(trx: Trx, stored: Stored): Promise<void> {
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

async function insertLevelChanges(trx: Trx, changes: LevelChange[]): Promise<void> {
  if (changes.length === 0) return;
  const col = <K extends keyof LevelChange>(k: K) => changes.map((c) => c[k]);
  await sql`
    INSERT INTO stock.level_change (device_time, event_key, prison_id, machine_id, slot_id, item_id, seq, level, delta, cause, reason, usable_until)
    SELECT * FROM unnest(${col("deviceTime")}::timestamptz[], ${col("key")}::text[], ${col("prisonId")}::text[],
      ${col("machineId")}::text[], ${col("slotId")}::text[], ${col("itemId")}::text[], ${col("seq")}::bigint[],
      ${col("level")}::int[], ${col("delta")}::int[], ${col("cause")}::text[], ${col("reason")}::text[],
      ${col("usableUntil")}::timestamptz[])
    ON CONFLICT DO NOTHING`.execute(trx);
}

async function applyAlerts(
  trx: Trx,
  commands: AlertCommand[],
): Promise<{ command: AlertCommand; alert: Alert }[]> {
  if (commands.length === 0) return [];
  const ids = [...new Set(commands.map((c) => c.alertId))];
  const rows = await sql<AlertRow>`SELECT * FROM stock.alert WHERE alert_id = ANY(${ids}::text[])`.execute(
    trx,
  );
  const records = new Map(rows.rows.map((r) => [r.alert_id, fromRow(r)]));
  const out: { command: AlertCommand; alert: Alert }[] = [];
  for (const command of commands) {
    const alert = applyAlertCommand(records.get(command.alertId), command);
    records.set(command.alertId, alert);
    out.push({ command, alert });
  }
  for (const id of ids) await saveAlert(trx, records.get(id) as Alert);
  return out;
}

/** Writes an alert's record. An acknowledgement, once stored, stays (the CLI sets it while the service runs). */
export async function saveAlert(db: Kysely<Database> | Trx, a: Alert): Promise<void> {
  await sql`
    INSERT INTO stock.alert (alert_id, prison_id, machine_id, slot_id, type, detail, raised_at, acknowledged_at, acknowledged_by, cleared_at, reminded_at)
    VALUES (${a.id}, ${a.prisonId}, ${a.machineId}, ${a.slotId}, ${a.type}, ${a.detail}, ${a.raisedAt}, ${a.acknowledgedAt},
            ${a.acknowledgedBy}, ${a.clearedAt}, ${a.remindedAt})
    ON CONFLICT (alert_id) DO UPDATE SET raised_at = excluded.raised_at, acknowledged_at = COALESCE(stock.alert.acknowledged_at, excluded.acknowledged_at),
      acknowledged_by = COALESCE(stock.alert.acknowledged_by, excluded.acknowledged_by),
      cleared_at = excluded.cleared_at, reminded_at = excluded.reminded_at`.execute(db);
}

export interface AlertRow {
  alert_id: string;
  prison_id: string | null;
  machine_id: string;
  slot_id: string | null;
  type: Alert["type"];
  detail: string;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  cleared_at: Date | null;
  reminded_at: Date | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function fromRow(r: AlertRow): Alert {
  return {
    id: r.alert_id,
    prisonId: r.prison_id,
    machineId: r.machine_id,
    slotId: r.slot_id,
    type: r.type,
    detail: r.detail,
    raisedAt: r.raised_at.toISOString(),
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    clearedAt: iso(r.cleared_at),
    remindedAt: iso(r.reminded_at),
  };
}

/** Active alerts, for reminders. */
export async function activeAlerts(db: Kysely<Database>): Promise<Alert[]> {
  const rows = await sql<AlertRow>`SELECT * FROM stock.alert WHERE cleared_at IS NULL`.execute(db);
  return rows.rows.map(fromRow);
}
