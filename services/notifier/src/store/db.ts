import type { ColumnType, Generated, Kysely } from "kysely";

/**
 * The notifier's tables (schema `notifier`, migration 0021_notifier), every column typed as
 * PostgreSQL returns it through `createDb` (bigint as a string).
 */

/** Each alert as the stock service's HR_ALERTS steps describe it, and what was told about it. */
export interface AlertTable {
  alert_id: string;
  prison_id: string;
  machine_id: string;
  slot_id: string | null;
  type: string;
  detail: string;
  raised_at: ColumnType<Date, Date | string, Date | string>;
  acknowledged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  cleared_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  first_notified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  escalated_to: ColumnType<number, number | undefined, number>;
  reminders: ColumnType<number, number | undefined, number>;
  ack_notified: ColumnType<boolean, boolean | undefined, boolean>;
  closed: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** One message per (alert step, contact) or digest, idempotent on `step_key`. */
export interface OutboxTable {
  id: ColumnType<string, never, never>;
  step_key: string;
  alert_id: string | null;
  step: string;
  contact_id: string;
  channel: "email" | "webhook";
  address: string;
  message_id: string;
  subject: string;
  body: string;
  /** jsonb: the webhook's JSON. */
  payload: ColumnType<Record<string, unknown>, string, string>;
  status: "pending" | "held" | "digested" | "sent" | "failed";
  hold_until: ColumnType<Date | null, Date | string | null, Date | string | null>;
  digest_key: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | string, Date | string>;
  last_error: string | null;
  created_at: ColumnType<Date, Date | string, never>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** The notifier's place in HR_ALERTS, moved in the transaction of what it read. */
export interface StreamPositionTable {
  consumer: string;
  stream: string;
  stream_seq: ColumnType<string, number | string, number | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** HR_ALERTS messages that are not alert steps, with the reason (never their bytes). */
export interface RejectedAlertTable {
  stream: string;
  stream_seq: ColumnType<string, number | string, never>;
  subject: string;
  reason: string;
  rejected_at: Generated<Date>;
}

export interface NotifierDatabase {
  "notifier.alert": AlertTable;
  "notifier.outbox": OutboxTable;
  "notifier.stream_position": StreamPositionTable;
  "notifier.rejected_alert": RejectedAlertTable;
}

/**
 * A connection pool (or transaction) on the database that holds the notifier's tables, however
 * its creator typed it (`createDb` types the runtime's tables).
 */
// biome-ignore lint/suspicious/noExplicitAny: callers' pools are typed with other tables; notifierDb types ours.
export type AnyDb = Kysely<any>;

/** The same pool, typed with the notifier's tables. */
export const notifierDb = (db: AnyDb): Kysely<NotifierDatabase> => db;
