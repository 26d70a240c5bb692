import type { Database } from "@hrvend/runtime/db";
import { type EventOf, parseEvent } from "@hrvend/schemas";
import { type Kysely, sql } from "kysely";
import { type Alert, AlertLifecycleError } from "./domain";
import { type AlertRow, fromRow } from "./stock-store";

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

/** One alert's record, as the stock service keeps it. */
export async function findAlert(db: Kysely<Database>, alertId: string): Promise<Alert> {
  const r = await sql<AlertRow>`SELECT * FROM stock.alert WHERE alert_id = ${alertId}`.execute(db);
  const row = r.rows[0];
  if (row === undefined) throw new AlertNotFoundError(alertId);
  return fromRow(row);
}

/**
 * A seq for an operator's event that no earlier one of the same source has: microseconds since
 * the epoch (an operator's tool keeps no counter on disk; two acknowledgements never share a
 * microsecond from one person's terminal, and a clash would be a recorded duplicate_seq, not a
 * silent loss). Below Number.MAX_SAFE_INTEGER until the year 2255.
 */
export function operatorSeq(nowMs: number, micros: number): number {
  return nowMs * 1000 + (Math.floor(micros) % 1000);
}

/**
 * Someone has seen the alert and is on it (docs/domain.md: raised → acknowledged → cleared). The
 * acknowledgement is an event of the stream from the operator's source (kind `alert_ack`), so
 * the stock service applies it like everything else and a rebuild from the stream keeps it. A
 * cleared alert cannot be acknowledged. Validated against the one contract before it leaves.
 */
export function alertAckEvent(o: {
  alert: Alert;
  by: string;
  operatorId: string;
  now: string;
  seq: number;
}): EventOf<"alert_ack"> {
  const a = o.alert;
  if (a.clearedAt !== null)
    throw new AlertLifecycleError(`alert ${a.id} was cleared at ${a.clearedAt}; nothing to acknowledge`, {
      alertId: a.id,
      action: "acknowledge",
    });
  if (a.prisonId === null)
    throw new AlertLifecycleError(`alert ${a.id} names no prison; it cannot be routed`, {
      alertId: a.id,
      action: "acknowledge",
    });
  return parseEvent({
    v: 1,
    kind: "alert_ack",
    prisonId: a.prisonId,
    sourceId: o.operatorId,
    seq: o.seq,
    time: o.now,
    machineId: a.machineId,
    alertId: a.id,
    by: o.by,
  }) as EventOf<"alert_ack">;
}

/** Waits until the stock service has applied an acknowledgement of the alert (undefined: not within the time). */
export async function waitForAcknowledgement(
  db: Kysely<Database>,
  alertId: string,
  timeoutMs: number,
): Promise<Alert | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const a = await findAlert(db, alertId);
    if (a.acknowledgedAt !== null) return a;
    if (Date.now() >= until) return undefined;
    await new Promise((r) => setTimeout(r, 200));
  }
}
