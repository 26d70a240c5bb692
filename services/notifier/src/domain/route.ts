import type { Contact, NotifierRules } from "./rules";
import { type Severity, severityOf } from "./severity";

/** Who hears about an alert and how often: the first matching rule, its contacts in order. */
export interface Route {
  rule: number;
  severity: Severity;
  contacts: Contact[];
  reminderMinutes: number;
  escalateAfterMinutes: number;
}

export interface Routable {
  prisonId: string;
  type: string;
}

/** The first rule matching (prison, alert type, severity), or undefined when none does. */
export function routeFor(rules: NotifierRules, alert: Routable): Route | undefined {
  const severity = severityOf(alert.type, rules.severities);
  const byId = new Map(rules.contacts.map((c) => [c.id, c]));
  const matches = <T>(set: T[] | undefined, v: T) => set === undefined || set.includes(v);
  for (const [i, r] of rules.rules.entries()) {
    if (
      matches(r.match.prisons, alert.prisonId) &&
      matches(r.match.types, alert.type) &&
      matches(r.match.severities, severity)
    )
      return {
        rule: i,
        severity,
        // parseRules proved every id exists.
        contacts: r.contacts.map((id) => byId.get(id) as Contact),
        reminderMinutes: r.reminderMinutes,
        escalateAfterMinutes: r.escalateAfterMinutes,
      };
  }
  return undefined;
}
