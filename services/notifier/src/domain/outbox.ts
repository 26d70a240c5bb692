import { type HeldItem, messageIdOf, renderDigest, renderStep } from "../render/message";
import { quietUntil } from "./quiet-hours";
import type { Route } from "./route";
import type { Contact } from "./rules";
import { type AlertState, planSteps } from "./schedule";

/** A row of notifier.outbox as the domain decides it (the adapter inserts it idempotently). */
export interface OutboxRow {
  stepKey: string;
  alertId: string | null;
  step: string;
  contactId: string;
  channel: Contact["channel"];
  address: string;
  messageId: string;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
  status: "pending" | "held";
  /** Quiet hours: held until then, then sent in the contact's digest. */
  holdUntil: string | null;
  nextAttemptAt: string;
  createdAt: string;
}

/** The outbox key of one (alert step, contact): the idempotency key of everything sent for it. */
export function stepKey(alertId: string, step: string, contactId: string): string {
  return `${alertId}|${step}|${contactId}`;
}

export const addressOf = (c: Contact): string => (c.channel === "email" ? c.address : c.url);

/**
 * The messages due for one alert at `now` (one per step and contact), and the alert's state after
 * them. A contact in quiet hours (in the prison's time zone) gets the row held until they end.
 */
export function planAlert(
  a: AlertState,
  route: Route,
  now: number,
  timeZone: string,
): { rows: OutboxRow[]; state: AlertState } {
  const { steps, state } = planSteps(a, route, now);
  const at = new Date(now).toISOString();
  const rows: OutboxRow[] = [];
  for (const s of steps)
    for (const i of s.contacts) {
      const c = route.contacts[i];
      if (c === undefined) continue; // the rules file lost contacts since
      const key = stepKey(a.alertId, s.step, c.id);
      const quiet = c.quietHours ? quietUntil(now, c.quietHours, timeZone) : undefined;
      const holdUntil = quiet === undefined ? null : new Date(quiet).toISOString();
      rows.push({
        stepKey: key,
        alertId: a.alertId,
        step: s.step,
        contactId: c.id,
        channel: c.channel,
        address: addressOf(c),
        messageId: messageIdOf(key),
        ...renderStep(state, s.kind, s.step, route.severity, c.language, timeZone),
        status: holdUntil === null ? "pending" : "held",
        holdUntil,
        nextAttemptAt: holdUntil ?? at,
        createdAt: at,
      });
    }
  return { rows, state };
}

/**
 * One digest for a contact's messages held until the same instant (the end of one quiet night in
 * one prison's time zone). Its key names the contact and that instant, so planning it twice gives
 * the same row.
 */
export function planDigest(
  contact: Contact,
  holdUntil: string,
  items: HeldItem[],
  now: number,
  timeZone: string,
): OutboxRow {
  const key = stepKey("digest", holdUntil, contact.id);
  return {
    stepKey: key,
    alertId: null,
    step: `digest@${holdUntil}`,
    contactId: contact.id,
    channel: contact.channel,
    address: addressOf(contact),
    messageId: messageIdOf(key),
    ...renderDigest(items, contact.language, timeZone),
    status: "pending",
    holdUntil: null,
    nextAttemptAt: new Date(now).toISOString(),
    createdAt: new Date(now).toISOString(),
  };
}

/**
 * When a failed delivery is tried again: exponential backoff from `baseSeconds`, capped at
 * `maxSeconds`; after `maxTries` tries the message is given up (status failed, shown to operators).
 */
export function retryAfterMs(attempts: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, attempts - 1), maxSeconds) * 1000;
}
