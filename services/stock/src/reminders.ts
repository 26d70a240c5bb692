import { type AlertPublisher, alertMessage } from "./alert-publisher";
import { remindersDue } from "./domain";
import { activeAlerts, markRemindedIfActive } from "./store/alerts";
import type { StockDb } from "./store/db";

/**
 * Reminders while an offline or stockout alert lasts, for the prisons this instance owns. The row
 * is updated only while the alert is still active (a clear committed meanwhile wins), so a
 * reminder never brings a cleared alert back.
 */
export async function sendReminders(
  deps: { db: StockDb; publisher: AlertPublisher; reminderMinutes: number },
  now: string,
  owns: (prisonId: string) => boolean,
): Promise<void> {
  const mine = (await activeAlerts(deps.db)).filter((a) => owns(a.prisonId ?? ""));
  for (const r of remindersDue(mine, now, deps.reminderMinutes)) {
    const alert = await markRemindedIfActive(deps.db, r.alertId, now);
    if (alert) await deps.publisher.publish(alertMessage(alert, "reminder", now));
  }
}
