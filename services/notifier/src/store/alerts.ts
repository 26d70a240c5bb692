import type { AlertMessage } from "@hrvend/schemas";
import { type Kysely, type Selectable, sql } from "kysely";
import type { AlertState } from "../domain";
import type { AlertTable, NotifierDatabase } from "./db";

/**
 * Applies one alert step as the stock service published it. Every message carries the whole
 * alert, so a step whose raise this notifier never saw (the stream's older messages aged out)
 * still creates it. The first acknowledgement and the first clear stand; a redelivery changes
 * nothing. Reminders of the stock service are not the notifier's: it keeps its own per rule.
 */
export async function applyAlertMessage(trx: Kysely<NotifierDatabase>, m: AlertMessage): Promise<void> {
  const ack = m.step === "acknowledged" ? m.at : null;
  const cleared = m.step === "cleared" ? m.at : null;
  await sql`
    INSERT INTO notifier.alert (alert_id, prison_id, machine_id, slot_id, type, detail, raised_at, acknowledged_at, cleared_at)
    VALUES (${m.alertId}, ${m.prisonId}, ${m.machineId}, ${m.slotId}, ${m.type}, ${m.detail}, ${m.raisedAt}, ${ack}, ${cleared})
    ON CONFLICT (alert_id) DO UPDATE SET
      acknowledged_at = COALESCE(notifier.alert.acknowledged_at, excluded.acknowledged_at),
      cleared_at = COALESCE(notifier.alert.cleared_at, excluded.cleared_at),
      updated_at = now()`.execute(trx);
}

/** An alert message the notifier could not read: kept with its position and reason (no payload bytes). */
export async function rejectAlertMessage(
  trx: Kysely<NotifierDatabase>,
  r: { stream: string; seq: number; subject: string; reason: string },
): Promise<void> {
  await sql`
    INSERT INTO notifier.rejected_alert (stream, stream_seq, subject, reason)
    VALUES (${r.stream}, ${r.seq}, ${r.subject}, ${r.reason.slice(0, 1000)})
    ON CONFLICT DO NOTHING`.execute(trx);
}

type AlertRow = Selectable<AlertTable>;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function toState(r: AlertRow): AlertState {
  return {
    alertId: r.alert_id,
    prisonId: r.prison_id,
    machineId: r.machine_id,
    slotId: r.slot_id,
    type: r.type,
    detail: r.detail,
    raisedAt: r.raised_at.toISOString(),
    acknowledgedAt: iso(r.acknowledged_at),
    clearedAt: iso(r.cleared_at),
    firstNotifiedAt: iso(r.first_notified_at),
    escalatedTo: r.escalated_to,
    reminders: r.reminders,
    ackNotified: r.ack_notified,
    closed: r.closed,
  };
}

/**
 * Ids of the alerts the notifier may have something to say about now: not closed, and not
 * acknowledged-and-told (those wait for their clear, which the consumer sets).
 */
export async function openAlertIds(db: Kysely<NotifierDatabase>): Promise<string[]> {
  const rows = await db
    .selectFrom("notifier.alert")
    .select("alert_id")
    .where(sql<boolean>`NOT closed AND NOT (ack_notified AND cleared_at IS NULL)`)
    .orderBy("raised_at")
    .orderBy("alert_id")
    .execute();
  return rows.map((x) => x.alert_id);
}

/** One alert, locked for the transaction (the consumer's updates wait). */
export async function lockAlert(
  trx: Kysely<NotifierDatabase>,
  alertId: string,
): Promise<AlertState | undefined> {
  const row = await trx
    .selectFrom("notifier.alert")
    .selectAll()
    .where("alert_id", "=", alertId)
    .forUpdate()
    .executeTakeFirst();
  return row ? toState(row) : undefined;
}

export async function saveAlertProgress(trx: Kysely<NotifierDatabase>, a: AlertState): Promise<void> {
  await sql`
    UPDATE notifier.alert SET first_notified_at = ${a.firstNotifiedAt}, escalated_to = ${a.escalatedTo},
      reminders = ${a.reminders}, ack_notified = ${a.ackNotified}, closed = ${a.closed}, updated_at = now()
    WHERE alert_id = ${a.alertId}`.execute(trx);
}
