import { type Database, type StreamPosition, savePosition } from "@hrvend/runtime/db";
import { type EventOf, eventKey, type HrEvent, isMachineEvent } from "@hrvend/schemas";
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
  liveTick,
  type MachineInput,
  type MachineState,
  markDead,
  NEW_SEQ_ORDER,
  processMachineEvent,
  type SeqOrder,
  type SkippedGap,
  stockedLots,
} from "./domain";

export interface BatchResult {
  /** Alert records after the batch, for each command, to publish once committed. */
  alerts: { command: AlertCommand; alert: Alert }[];
  /** Acknowledgements applied (alert rows after them), to announce once committed. */
  acks: Alert[];
  levelChanges: number;
  duplicates: number;
  /** Seq gaps passed over (dead-lettered seqs, or gaps that outlived the bound). */
  skipped: (SkippedGap & { machineId: string })[];
}

/** One stream message: the event, and when the stream stored it (the gap bound's clock). */
export interface Arrival {
  event: HrEvent;
  at: string;
}

type Trx = Transaction<Database>;

/**
 * Applies a batch of stream events to the machines' states and writes everything the batch
 * changed, with the consumer's stream position, in one transaction (invariant 3). Machine rows
 * are locked (in machine order) for the transaction: the dead-letter consumer and the live timer
 * change the same rows.
 */
export async function applyBatch(
  db: Kysely<Database>,
  arrivals: Arrival[],
  position: StreamPosition,
  policy: AlertPolicy,
  gapBoundMs: number = DEFAULT_GAP_BOUND_MS,
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    let catalog = await loadCatalog(trx);
    const zones = await loadZones(trx);
    const machineIds = [
      ...new Set(arrivals.flatMap(({ event: e }) => (isMachineInput(e) ? [e.machineId] : []))),
    ];
    await lockMachines(trx, machineIds);
    const states = await loadStates(trx, machineIds);
    const changed = new Set<string>();
    const levelChanges: LevelChange[] = [];
    const commands: AlertCommand[] = [];
    const skipped: BatchResult["skipped"] = [];
    const acks: AlertAckEvent[] = [];
    let duplicates = 0;
    for (const { event: e, at } of arrivals) {
      if (e.kind === "ref_item") {
        catalog = evolveCatalog(catalog, e);
        await sql`INSERT INTO stock.item (item_id, info) VALUES (${e.itemId}, ${JSON.stringify(catalog[e.itemId])})
                  ON CONFLICT (item_id) DO UPDATE SET info = excluded.info`.execute(trx);
        continue;
      }
      if (e.kind === "ref_prison") {
        zones.set(e.prisonId, e.timeZone);
        await sql`INSERT INTO stock.prison (prison_id, time_zone) VALUES (${e.prisonId}, ${e.timeZone})
                  ON CONFLICT (prison_id) DO UPDATE SET time_zone = excluded.time_zone`.execute(trx);
        continue;
      }
      if (e.kind === "alert_ack") {
        acks.push(e);
        continue;
      }
      if (!isMachineInput(e)) continue;
      const current = states.get(e.machineId) ?? (await newStored(trx, e.machineId));
      const admitted = admitInOrder(current.order, e, { at, boundMs: gapBoundMs });
      let machine = withZone(current.machine, zones, e.prisonId);
      for (const ready of admitted.ready) {
        const step = processMachineEvent(machine, ready, policy, catalog, at);
        if (step.duplicate) {
          duplicates++;
          continue;
        }
        machine = withZone(step.state, zones, step.state.prisonId);
        if (step.levelChange) levelChanges.push(step.levelChange);
        commands.push(...step.alerts);
      }
      for (const g of admitted.skipped) skipped.push({ ...g, machineId: e.machineId });
      states.set(e.machineId, { machine, order: admitted.order });
      changed.add(e.machineId);
    }
    for (const id of changed) await saveMachine(trx, states.get(id) as Stored);
    await insertLevelChanges(trx, levelChanges);
    await insertGaps(trx, skipped, states, arrivals[arrivals.length - 1]?.at ?? new Date(0).toISOString());
    const alerts = await applyAlerts(trx, commands);
    const acked = await applyAcks(trx, acks);
    await savePosition(trx, position);
    return { alerts, acks: acked, levelChanges: levelChanges.length, duplicates, skipped };
  });
}

/** How long a seq gap may hold a machine's later events by default (stream time). */
export const DEFAULT_GAP_BOUND_MS = 5 * 60_000;

type AlertAckEvent = EventOf<"alert_ack">;

function isMachineInput(e: HrEvent): e is MachineInput {
  return isMachineEvent(e) || e.kind === "ref_machine";
}

function withZone(m: MachineState, zones: Map<string, string>, prisonId: string | null): MachineState {
  const tz = prisonId === null ? undefined : zones.get(prisonId);
  return tz === undefined || m.timeZone === tz ? m : { ...m, timeZone: tz };
}

/** A machine seen for the first time: the seqs already known to be dead-lettered do not block it. */
async function newStored(trx: Trx, machineId: string): Promise<Stored> {
  const dead = await sql<{ seq: string }>`
    SELECT seq FROM stock.dead_seq WHERE machine_id = ${machineId} ORDER BY seq`.execute(trx);
  return {
    machine: initialMachineState(machineId),
    order: { ...NEW_SEQ_ORDER, dead: dead.rows.map((r) => Number(r.seq)) },
  };
}

async function loadZones(trx: Trx): Promise<Map<string, string>> {
  const rows = await sql<{ prison_id: string; time_zone: string }>`
    SELECT prison_id, time_zone FROM stock.prison`.execute(trx);
  return new Map(rows.rows.map((r) => [r.prison_id, r.time_zone]));
}

async function insertGaps(
  trx: Trx,
  gaps: BatchResult["skipped"],
  states: Map<string, Stored>,
  at: string,
): Promise<void> {
  for (const g of gaps)
    await sql`
      INSERT INTO stock.seq_gap (machine_id, from_seq, to_seq, prison_id, reason, skipped_at)
      VALUES (${g.machineId}, ${g.from}, ${g.to}, ${states.get(g.machineId)?.machine.prisonId ?? null}, ${g.reason}, ${at})
      ON CONFLICT (machine_id, from_seq) DO NOTHING`.execute(trx);
}

/**
 * Acknowledgements from the stream: kept per event (a rebuild re-applies them when it raises the
 * alert again), and set on the alert's row when it exists; the first acknowledgement stands.
 */
async function applyAcks(trx: Trx, acks: AlertAckEvent[]): Promise<Alert[]> {
  const out: Alert[] = [];
  for (const a of acks) {
    const inserted = await sql`
      INSERT INTO stock.alert_ack (event_key, alert_id, prison_id, machine_id, acknowledged_by, acknowledged_at)
      VALUES (${eventKey(a)}, ${a.alertId}, ${a.prisonId}, ${a.machineId}, ${a.by}, ${a.time})
      ON CONFLICT (event_key) DO NOTHING`.execute(trx);
    if (Number(inserted.numAffectedRows ?? 0) === 0) continue;
    const r = await sql<AlertRow>`
      UPDATE stock.alert SET acknowledged_at = ${a.time}, acknowledged_by = ${a.by}
      WHERE alert_id = ${a.alertId} AND acknowledged_at IS NULL RETURNING *`.execute(trx);
    for (const row of r.rows) out.push(fromRow(row));
  }
  return out;
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

/**
 * Serialises the transactions that change a machine (the events consumer, the dead-letter
 * consumer) also before its row exists: a dead-lettered seq of a machine the service has not
 * stored yet is then either in stock.dead_seq when the machine's first event is applied, or
 * finds the machine's row. Transaction-scoped advisory locks, taken in one order.
 */
async function lockMachines(trx: Trx, machineIds: string[]): Promise<void> {
  if (machineIds.length === 0) return;
  await sql`
    SELECT pg_advisory_xact_lock(${ADVISORY_CLASS}, h)
    FROM (SELECT DISTINCT hashtext(m) AS h FROM unnest(${machineIds}::text[]) AS m ORDER BY h) AS locks`.execute(
    trx,
  );
}

/** The advisory-lock namespace of the stock service's machines. */
const ADVISORY_CLASS = 16_016;

async function loadStates(trx: Trx, machineIds: string[]): Promise<Map<string, Stored>> {
  if (machineIds.length === 0) return new Map();
  const rows = await sql<{ machine_id: string; state: MachineState; seq_order: SeqOrder }>`
    SELECT machine_id, state, seq_order FROM stock.machine_state WHERE machine_id = ANY(${machineIds}::text[])
    ORDER BY machine_id FOR UPDATE`.execute(trx);
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
  const rows = await sql<AlertRow>`
    SELECT * FROM stock.alert WHERE alert_id = ANY(${ids}::text[]) ORDER BY alert_id FOR UPDATE`.execute(trx);
  const records = new Map(rows.rows.map((r) => [r.alert_id, fromRow(r)]));
  const out: { command: AlertCommand; alert: Alert }[] = [];
  for (const command of commands) {
    const alert = applyAlertCommand(records.get(command.alertId), command);
    records.set(command.alertId, alert);
    out.push({ command, alert });
  }
  // Closed ones first: the unique index allows one active alert per (machine, slot, type).
  const final = ids.map((id) => records.get(id) as Alert);
  for (const a of final.filter((x) => x.clearedAt !== null)) await saveAlert(trx, a);
  for (const a of final.filter((x) => x.clearedAt === null)) await saveAlert(trx, a);
  return out;
}

/**
 * Writes an alert's record as the domain decided it, under the row lock of its machine. What
 * others write concurrently stays: an acknowledgement (the first stands, also one that came from
 * the stream before the alert was raised again in a rebuild), the latest reminder, and a clear:
 * a cleared alert is never reopened (a repeated clear keeps the first, as applyAlertCommand).
 */
export async function saveAlert(db: Kysely<Database> | Trx, a: Alert): Promise<void> {
  if (a.clearedAt === null)
    // Never expected (the machine's state holds one alert per key), but a stale row must not
    // make the unique index stop the stream (invariant 6): a newer raise supersedes an older one.
    await sql`
      UPDATE stock.alert SET cleared_at = GREATEST(raised_at, ${a.raisedAt}::timestamptz)
      WHERE machine_id = ${a.machineId} AND COALESCE(slot_id, '') = ${a.slotId ?? ""} AND type = ${a.type}
        AND cleared_at IS NULL AND alert_id <> ${a.id} AND raised_at <= ${a.raisedAt}::timestamptz`.execute(
      db,
    );
  await sql`
    INSERT INTO stock.alert (alert_id, prison_id, machine_id, slot_id, type, detail, raised_at, acknowledged_at, acknowledged_by, cleared_at, reminded_at)
    SELECT ${a.id}, ${a.prisonId}, ${a.machineId}, ${a.slotId}, ${a.type}, ${a.detail}, ${a.raisedAt},
           COALESCE(${a.acknowledgedAt}::timestamptz, k.acknowledged_at), COALESCE(${a.acknowledgedBy}::text, k.acknowledged_by),
           ${a.clearedAt}::timestamptz, ${a.remindedAt}::timestamptz
    FROM (SELECT NULL) AS one
    LEFT JOIN LATERAL (SELECT acknowledged_at, acknowledged_by FROM stock.alert_ack
                       WHERE alert_id = ${a.id} ORDER BY acknowledged_at, event_key LIMIT 1) k ON true
    ON CONFLICT (alert_id) DO UPDATE SET raised_at = excluded.raised_at,
      acknowledged_at = COALESCE(stock.alert.acknowledged_at, excluded.acknowledged_at),
      acknowledged_by = COALESCE(stock.alert.acknowledged_by, excluded.acknowledged_by),
      cleared_at = COALESCE(stock.alert.cleared_at, excluded.cleared_at),
      reminded_at = GREATEST(stock.alert.reminded_at, excluded.reminded_at)`.execute(db);
}

/**
 * Records a reminder of an alert that is still active, atomically: a clear committed meanwhile
 * wins (nothing is written, nothing is to be sent), and a reminder never writes any other field.
 */
export async function markRemindedIfActive(
  db: Kysely<Database>,
  alertId: string,
  at: string,
): Promise<Alert | undefined> {
  const r = await sql<AlertRow>`
    UPDATE stock.alert SET reminded_at = ${at}
    WHERE alert_id = ${alertId} AND cleared_at IS NULL AND (reminded_at IS NULL OR reminded_at < ${at})
    RETURNING *`.execute(db);
  const row = r.rows[0];
  return row === undefined ? undefined : fromRow(row);
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

/** A dead letter as the stock service needs it: which machine's seq will never be in the stream. */
export interface DeadSeq {
  machineId: string;
  seq: number;
  reason: string;
  receivedAt: string;
}

/**
 * Seqs the gateway dead-lettered: kept (a machine seen later, or rebuilt, starts knowing them)
 * and, for a machine already known, skipped at once under its row lock: the events held behind
 * such a seq are applied now. One transaction with the dead-letter consumer's position.
 */
export async function applyDeadSeqs(
  db: Kysely<Database>,
  dead: DeadSeq[],
  position: StreamPosition,
  policy: AlertPolicy,
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    const commands: AlertCommand[] = [];
    const levelChanges: LevelChange[] = [];
    const skipped: BatchResult["skipped"] = [];
    let duplicates = 0;
    await lockMachines(trx, [...new Set(dead.map((d) => d.machineId))]);
    for (const d of dead)
      await sql`
        INSERT INTO stock.dead_seq (machine_id, seq, reason, received_at)
        VALUES (${d.machineId}, ${d.seq}, ${d.reason}, ${d.receivedAt}) ON CONFLICT DO NOTHING`.execute(trx);
    const states = await loadStates(trx, [...new Set(dead.map((d) => d.machineId))]);
    if (states.size > 0) {
      const catalog = await loadCatalog(trx);
      for (const d of dead) {
        const stored = states.get(d.machineId);
        if (stored === undefined) continue;
        const r = markDead(stored.order, d.seq, { at: d.receivedAt, boundMs: Number.POSITIVE_INFINITY });
        let machine = stored.machine;
        for (const e of r.ready) {
          const step = processMachineEvent(machine, e, policy, catalog, d.receivedAt);
          if (step.duplicate) {
            duplicates++;
            continue;
          }
          machine = step.state;
          if (step.levelChange) levelChanges.push(step.levelChange);
          commands.push(...step.alerts);
        }
        for (const g of r.skipped) skipped.push({ ...g, machineId: d.machineId });
        states.set(d.machineId, { machine, order: r.order });
      }
      for (const stored of states.values()) await saveMachine(trx, stored);
    }
    await insertLevelChanges(trx, levelChanges);
    await insertGaps(trx, skipped, states, dead[dead.length - 1]?.receivedAt ?? new Date(0).toISOString());
    const alerts = await applyAlerts(trx, commands);
    await savePosition(trx, position);
    return { alerts, acks: [], levelChanges: levelChanges.length, duplicates, skipped };
  });
}

/**
 * The live timer's pass over the machines of the prisons this instance owns (see liveTick):
 * each machine that needs it in its own short transaction, under its row lock, so the
 * consumers wait for at most one machine's work.
 */
export async function tickMachines(
  db: Kysely<Database>,
  now: string,
  policy: AlertPolicy,
  gapBoundMs: number,
  owns: (prisonId: string) => boolean,
): Promise<BatchResult> {
  const all = await sql<{
    machine_id: string;
    prison_id: string | null;
    state: MachineState;
    seq_order: SeqOrder;
  }>`
    SELECT machine_id, prison_id, state, seq_order FROM stock.machine_state`.execute(db);
  const result: BatchResult = { alerts: [], acks: [], levelChanges: 0, duplicates: 0, skipped: [] };
  for (const row of all.rows) {
    if (row.prison_id === null || !owns(row.prison_id)) continue;
    // A first look without the lock: most machines need nothing.
    if (!liveTick({ machine: row.state, order: row.seq_order }, now, policy, gapBoundMs).changed) continue;
    const r = await db.transaction().execute(async (trx) => {
      const stored = (await loadStates(trx, [row.machine_id])).get(row.machine_id);
      if (stored === undefined) return undefined;
      const catalog = await loadCatalog(trx);
      const t = liveTick(stored, now, policy, gapBoundMs, catalog);
      if (!t.changed) return undefined;
      const next = { machine: t.state, order: t.order };
      await saveMachine(trx, next);
      await insertLevelChanges(trx, t.levelChanges);
      const skipped = t.skipped.map((g) => ({ ...g, machineId: row.machine_id }));
      await insertGaps(trx, skipped, new Map([[row.machine_id, next]]), now);
      const alerts = await applyAlerts(trx, t.alerts);
      return { alerts, levelChanges: t.levelChanges.length, skipped };
    });
    if (r === undefined) continue;
    result.alerts.push(...r.alerts);
    result.levelChanges += r.levelChanges;
    result.skipped.push(...r.skipped);
  }
  return result;
}
