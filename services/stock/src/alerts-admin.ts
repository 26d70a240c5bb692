import type { Database } from "@hrvend/infra/db";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type Kysely, sql } from "kysely";
import { AlertPublisher, alertMessage } from "./alert-publisher";
import { type Alert, acknowledge } from "./domain";
import { type AlertRow, fromRow, saveAlert } from "./stock-store";

export class AlertNotFoundError extends Error {
  override readonly name = "AlertNotFoundError";
  constructor(readonly alertId: string) {
    super(`no alert '${alertId}' (npx hrvend alerts list shows the active ones with their ids)`);
  }
}

/** Alerts, most recent first: active ones only unless `all`; optionally one prison's. */
export async function listAlerts(
  db: Kysely<Database>,
  o: { prisonId?: string; all?: boolean; limit?: number } = {},
): Promise<Alert[]> {
  const rows = await sql<AlertRow>`
    SELECT * FROM stock.alert
    WHERE (${o.all ?? false} OR cleared_at IS NULL) AND (${o.prisonId ?? null}::text IS NULL OR prison_id = ${o.prisonId ?? null})
    ORDER BY raised_at DESC LIMIT ${o.limit ?? 500}`.execute(db);
  return rows.rows.map(fromRow);
}

/**
 * Someone has seen the alert and is on it (DOMAIN.md: raised → acknowledged → cleared). Stored
 * on the alert's row, and announced on its subject when a JetStream client is given. The stock
 * service keeps the acknowledgement: it updates only raise, clear and reminder fields.
 */
export async function acknowledgeAlert(
  db: Kysely<Database>,
  alertId: string,
  by: string,
  now: string,
  announce?: { js: JetStreamClient; stream: string },
): Promise<Alert> {
  const acked = await db.transaction().execute(async (trx) => {
    const r = await sql<AlertRow>`SELECT * FROM stock.alert WHERE alert_id = ${alertId} FOR UPDATE`.execute(
      trx,
    );
    const row = r.rows[0];
    if (row === undefined) throw new AlertNotFoundError(alertId);
    const alert = acknowledge(fromRow(row), now, by);
    await saveAlert(trx, alert);
    return alert;
  });
  if (announce)
    await new AlertPublisher(announce.js, announce.stream).publish(alertMessage(acked, "acknowledged", now));
  return acked;
}
