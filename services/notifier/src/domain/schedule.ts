import type { Route } from "./route";

/** An alert as the notifier knows it: what the stream said, and what it has told people so far. */
export interface AlertState {
  alertId: string;
  prisonId: string;
  machineId: string;
  slotId: string | null;
  type: string;
  detail: string;
  raisedAt: string;
  acknowledgedAt: string | null;
  clearedAt: string | null;
  /** When the first contact was told (the notifier's clock): escalation and reminders count from it. */
  firstNotifiedAt: string | null;
  /** Index of the last contact told (0: only the first). */
  escalatedTo: number;
  /** Reminders sent (the number of the last one). */
  reminders: number;
  ackNotified: boolean;
  /** Nothing more will be sent about it. */
  closed: boolean;
}

export type StepKind = "raised" | "escalated" | "reminder" | "acknowledged" | "cleared";

/** One message to send: `step` names it within the alert (`raised`, `escalated-2`, `reminder-3`…). */
export interface PlannedStep {
  kind: StepKind;
  step: string;
  /** Indexes into the route's contacts. */
  contacts: number[];
}

const MINUTE = 60_000;
const upTo = (n: number) => Array.from({ length: n + 1 }, (_, i) => i);

/**
 * What is due for one alert at `now` (the notifier's clock, passed in), and the state after it:
 *
 * - not told yet: an active, unacknowledged alert tells the first contact (`raised`); one already
 *   cleared or acknowledged before anyone was told (a backlog) tells nobody;
 * - active and unacknowledged: each `escalateAfterMinutes` since the first message the next contact
 *   is told (`escalated-k`, each contact once, also after a long pause), and each `reminderMinutes`
 *   everyone told so far gets one reminder (`reminder-n`, only the latest one after a pause);
 * - acknowledged: everyone told hears who took it (`acknowledged`), then no reminder or escalation;
 * - cleared: everyone told hears it is over (`cleared`), and the alert is closed.
 */
export function planSteps(
  a: AlertState,
  route: Route,
  now: number,
): { steps: PlannedStep[]; state: AlertState } {
  if (a.closed) return { steps: [], state: a };
  if (a.firstNotifiedAt === null) {
    if (a.clearedAt !== null || a.acknowledgedAt !== null)
      return { steps: [], state: { ...a, closed: true } };
    return {
      steps: [{ kind: "raised", step: "raised", contacts: [0] }],
      state: { ...a, firstNotifiedAt: new Date(now).toISOString(), escalatedTo: 0 },
    };
  }
  const told = upTo(a.escalatedTo);
  if (a.clearedAt !== null)
    return { steps: [{ kind: "cleared", step: "cleared", contacts: told }], state: { ...a, closed: true } };
  if (a.acknowledgedAt !== null) {
    if (a.ackNotified) return { steps: [], state: a };
    return {
      steps: [{ kind: "acknowledged", step: "acknowledged", contacts: told }],
      state: { ...a, ackNotified: true },
    };
  }
  const elapsed = now - Date.parse(a.firstNotifiedAt);
  const steps: PlannedStep[] = [];
  let escalatedTo = a.escalatedTo;
  if (route.escalateAfterMinutes > 0) {
    const level = Math.min(
      Math.floor(elapsed / (route.escalateAfterMinutes * MINUTE)),
      route.contacts.length - 1,
    );
    for (let k = a.escalatedTo + 1; k <= level; k++)
      steps.push({ kind: "escalated", step: `escalated-${k}`, contacts: [k] });
    escalatedTo = Math.max(escalatedTo, level);
  }
  let reminders = a.reminders;
  if (route.reminderMinutes > 0) {
    const n = Math.floor(elapsed / (route.reminderMinutes * MINUTE));
    // Those told before this round: a contact escalated to now has just had the whole story.
    if (n > a.reminders) steps.push({ kind: "reminder", step: `reminder-${n}`, contacts: told });
    reminders = Math.max(reminders, n);
  }
  return { steps, state: { ...a, escalatedTo, reminders } };
}
