import type { Database } from "@hrvend/runtime/db";
import { type Kysely, type Selectable, sql } from "kysely";
import type { Alert, AlertType } from "./domain";
import { alertById, listAlerts as listAlertRows } from "./store/alerts";
import { type AlertTable, type LevelChangeTable, stockDb } from "./store/db";

/**
 * What other workspaces read from the stock service's tables (the CLI, the end-to-end checks),
 * in one place: `@hrvend/stock/read`. Grafana reads the reporting views (migrations).
 */

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
  return listAlertRows(stockDb(db), o);
}

/** One alert's record, as the stock service keeps it. */
export async function findAlert(db: Kysely<Database>, alertId: string): Promise<Alert> {
  const a = await alertById(stockDb(db), alertId);
  if (a === undefined) throw new AlertNotFoundError(alertId);
  return a;
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

/**
 * Events the stock service acknowledged but holds in a machine's seq-order buffer (rows of
 * `stock.held_event`) until the gap before them fills or the bound passes. Throws PostgreSQL's
 * error where the stock schema does not exist (code 42P01 or 3F000).
 */
export async function heldEvents(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ n: string | null }>`SELECT count(*) AS n FROM stock.held_event`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** A stored alert's subject and period. */
export type AlertPeriodRow = Pick<
  Selectable<AlertTable>,
  "machine_id" | "slot_id" | "raised_at" | "cleared_at"
>;

/** The stored alerts of one type, in raise order. */
export async function alertPeriodsOfType(
  db: Kysely<Database>,
  type: AlertType | string,
): Promise<AlertPeriodRow[]> {
  return (
    await sql<AlertPeriodRow>`
      SELECT machine_id, slot_id, raised_at, cleared_at FROM stock.alert WHERE type = ${type} ORDER BY raised_at`.execute(
      db,
    )
  ).rows;
}

/** The stored alerts of one type with their detail, by machine, slot and raise time. */
export async function alertsOfTypeBySlot(
  db: Kysely<Database>,
  type: AlertType,
): Promise<(AlertPeriodRow & { detail: string })[]> {
  return (
    await sql<AlertPeriodRow & { detail: string }>`
      SELECT machine_id, slot_id, detail, raised_at, cleared_at FROM stock.alert
      WHERE type = ${type} ORDER BY machine_id, slot_id, raised_at`.execute(db)
  ).rows;
}

/** How many alerts of one type are active per machine and slot (subjects with none are absent). */
export async function activeAlertCounts(
  db: Kysely<Database>,
  type: AlertType,
): Promise<{ machine_id: string; slot_id: string | null; n: number }[]> {
  return (
    await sql<{ machine_id: string; slot_id: string | null; n: number }>`
      SELECT machine_id, slot_id, count(*)::int AS n FROM stock.alert
      WHERE type = ${type} AND cleared_at IS NULL GROUP BY machine_id, slot_id`.execute(db)
  ).rows;
}

/** Every stored level change (unordered). */
export async function levelChanges(
  db: Kysely<Database>,
): Promise<
  Pick<Selectable<LevelChangeTable>, "machine_id" | "slot_id" | "device_time" | "level" | "delta" | "cause">[]
> {
  return await stockDb(db)
    .selectFrom("stock.level_change")
    .select(["machine_id", "slot_id", "device_time", "level", "delta", "cause"])
    .execute();
}

/** Every slot's current level (null: never reported). */
export async function slotLevels(
  db: Kysely<Database>,
): Promise<{ machine_id: string; slot_id: string; level: number | null }[]> {
  return await stockDb(db).selectFrom("stock.slot").select(["machine_id", "slot_id", "level"]).execute();
}
