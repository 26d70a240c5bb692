import type { AlertType } from "./alert-type";
import type { AlertCommand } from "./decide-alerts";
import { AlertLifecycleError } from "./errors";
import { MINUTE_MS, ms } from "./time";

/** An alert's record, raised → acknowledged → cleared (docs/domain.md). The adapter keeps one row per id. */
export interface Alert {
  id: string;
  machineId: string;
  prisonId: string | null;
  slotId: string | null;
  type: AlertType;
  detail: string;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  clearedAt: string | null;
  /** The last reminder sent while it lasts. */
  remindedAt: string | null;
}

/**
 * The record after a command: a raise creates it (a repeated raise changes nothing), a clear
 * closes it (a repeated clear changes nothing). Replaying the stream gives the same records.
 */
export function applyAlertCommand(alert: Alert | undefined, cmd: AlertCommand): Alert {
  if (cmd.command === "raise") {
    return (
      alert ?? {
        id: cmd.alertId,
        machineId: cmd.machineId,
        prisonId: cmd.prisonId,
        slotId: cmd.slotId,
        type: cmd.type,
        detail: cmd.detail,
        raisedAt: cmd.at,
        acknowledgedAt: null,
        acknowledgedBy: null,
        clearedAt: null,
        remindedAt: null,
      }
    );
  }
  if (alert === undefined)
    throw new AlertLifecycleError(`cannot clear alert ${cmd.alertId}: it was never raised`, {
      alertId: cmd.alertId,
      action: "clear",
    });
  if (alert.clearedAt !== null) return alert;
  return { ...alert, clearedAt: cmd.at, ...(cmd.raisedAt === undefined ? {} : { raisedAt: cmd.raisedAt }) };
}

/** Someone has seen the alert and is on it. Acknowledging twice keeps the first; a cleared alert cannot be acknowledged. */
export function acknowledge(alert: Alert, at: string, by: string): Alert {
  if (alert.clearedAt !== null)
    throw new AlertLifecycleError(
      `alert ${alert.id} was cleared at ${alert.clearedAt}; nothing to acknowledge`,
      {
        alertId: alert.id,
        action: "acknowledge",
      },
    );
  if (alert.acknowledgedAt !== null) return alert;
  return { ...alert, acknowledgedAt: at, acknowledgedBy: by };
}

const REMINDER_TYPES: readonly AlertType[] = ["offline", "stockout"];

export interface Reminder {
  alertId: string;
  machineId: string;
  slotId: string | null;
  type: AlertType;
  raisedAt: string;
  /** How long it has lasted at `now`. */
  minutes: number;
}

/**
 * Active alerts of the reminder types (offline and stockout by default) whose last notice, the
 * raise or the last reminder, is at least `everyMinutes` old at `now`. Acknowledged ones too:
 * the machine is still offline or empty. Send them, then record each with markReminded.
 */
export function remindersDue(
  alerts: readonly Alert[],
  now: string,
  everyMinutes: number,
  types: readonly AlertType[] = REMINDER_TYPES,
): Reminder[] {
  const t = ms(now);
  return alerts
    .filter(
      (a) =>
        a.clearedAt === null &&
        types.includes(a.type) &&
        t - ms(a.remindedAt ?? a.raisedAt) >= everyMinutes * MINUTE_MS,
    )
    .map((a) => ({
      alertId: a.id,
      machineId: a.machineId,
      slotId: a.slotId,
      type: a.type,
      raisedAt: a.raisedAt,
      minutes: Math.floor((t - ms(a.raisedAt)) / MINUTE_MS),
    }));
}

export function markReminded(alert: Alert, at: string): Alert {
  return { ...alert, remindedAt: at };
}
