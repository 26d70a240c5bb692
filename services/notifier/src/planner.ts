import { prisonTimeZones } from "@hrvend/reorder/read";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { type NotifierRules, planAlert, planDigest, routeFor } from "./domain";
import type { NotifierMetrics } from "./metrics";
import { lockAlert, openAlertIds, saveAlertProgress } from "./store/alerts";
import type { NotifierDatabase } from "./store/db";
import { dropHeld, enqueue, heldDue, markDigested } from "./store/outbox";

export interface PlannerDeps {
  db: Kysely<NotifierDatabase>;
  rules: NotifierRules;
  log: Logger;
  metrics: NotifierMetrics;
}

/**
 * One round of the timer at `now` (passed in): for every open alert, the messages now due
 * (raise, escalations, reminders, acknowledgement, clear) are put in the outbox with the alert's
 * progress, in one transaction per alert under its row lock; then every contact whose quiet hours
 * have ended gets one digest of what was held. Inserting is idempotent on the step key, so a round
 * repeated after a crash adds nothing. Runs only when the consumer has caught up (never while
 * replaying). Returns the number of messages added.
 */
export async function planRound(d: PlannerDeps, now: number): Promise<number> {
  const zones = await prisonTimeZones(d.db);
  const zoneOf = (prisonId: string) => zones.get(prisonId) ?? d.rules.defaultTimeZone;
  let added = 0;
  for (const id of await openAlertIds(d.db)) {
    added += await d.db.transaction().execute(async (trx) => {
      const a = await lockAlert(trx, id);
      if (a === undefined || a.closed) return 0;
      const route = routeFor(d.rules, a);
      if (route === undefined) {
        d.metrics.unrouted.inc();
        d.log.warn(
          { alertId: a.alertId, type: a.type, prisonId: a.prisonId },
          "no routing rule matches; nobody told",
        );
        await saveAlertProgress(trx, { ...a, closed: true });
        return 0;
      }
      const { rows, state } = planAlert(a, route, now, zoneOf(a.prisonId));
      const n = await enqueue(trx, rows);
      await saveAlertProgress(trx, state);
      return n;
    });
  }
  const contacts = new Map(d.rules.contacts.map((c) => [c.id, c]));
  for (const g of await heldDue(d.db, new Date(now))) {
    const keys = g.items.map((i) => i.stepKey);
    const contact = contacts.get(g.contactId);
    await d.db.transaction().execute(async (trx) => {
      if (contact === undefined) {
        await dropHeld(trx, keys, `contact '${g.contactId}' is no longer in the rules file`);
        return;
      }
      const prison = String(g.items[0]?.payload["prisonId"] ?? "");
      const digest = planDigest(contact, g.holdUntil, g.items, now, zoneOf(prison));
      added += await enqueue(trx, [digest]);
      await markDigested(trx, keys, digest.stepKey);
    });
  }
  return added;
}
