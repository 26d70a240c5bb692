import { type EventOf, eventKey } from "@hrvend/schemas";
import { type Selectable, sql } from "kysely";
import { type Alert, type AlertCommand, applyAlertCommand } from "../domain";
import type { AlertTable, StockDb } from "./db";

/** A row of stock.alert as read. */
type AlertRow = Selectable<AlertTable>;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function fromRow(r: AlertRow): Alert {
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

/** Applies alert commands to the records (locked), writes them; each command with the record after it. */
export async function applyAlerts(
  trx: StockDb,
  commands: readonly AlertCommand[],
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
async function saveAlert(db: StockDb, a: Alert): Promise<void> {
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
 * Acknowledgements from the stream: kept per event (a rebuild re-applies them when it raises the
 * alert again), and set on the alert's row when it exists; the first acknowledgement stands.
 * Returns the alert rows an acknowledgement was set on.
 */
export async function applyAcks(trx: StockDb, acks: readonly EventOf<"alert_ack">[]): Promise<Alert[]> {
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

/**
 * Records a reminder of an alert that is still active, atomically: a clear committed meanwhile
 * wins (nothing is written, nothing is to be sent), and a reminder never writes any other field.
 */
export async function markRemindedIfActive(
  db: StockDb,
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

/** Active alerts, for reminders. */
export async function activeAlerts(db: StockDb): Promise<Alert[]> {
  const rows = await sql<AlertRow>`SELECT * FROM stock.alert WHERE cleared_at IS NULL`.execute(db);
  return rows.rows.map(fromRow);
}

/** Alerts, most recent first: active ones only unless `all`; optionally one prison's. */
export async function listAlerts(
  db: StockDb,
  o: { prisonId?: string; all?: boolean; limit?: number } = {},
): Promise<Alert[]> {
  const rows = await sql<AlertRow>`
    SELECT * FROM stock.alert
    WHERE (${o.all ?? false} OR cleared_at IS NULL) AND (${o.prisonId ?? null}::text IS NULL OR prison_id = ${o.prisonId ?? null})
    ORDER BY raised_at DESC LIMIT ${o.limit ?? 500}`.execute(db);
  return rows.rows.map(fromRow);
}

/** One alert's record, or undefined. */
export async function alertById(db: StockDb, alertId: string): Promise<Alert | undefined> {
  const r = await sql<AlertRow>`SELECT * FROM stock.alert WHERE alert_id = ${alertId}`.execute(db);
  const row = r.rows[0];
  return row === undefined ? undefined : fromRow(row);
}
