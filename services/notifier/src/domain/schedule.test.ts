import { describe, expect, it } from "vitest";
import type { Route } from "./route";
import { type AlertState, planSteps } from "./schedule";

const contact = (id: string) => ({
  id,
  channel: "email" as const,
  address: `${id}@example.org`,
  language: "en" as const,
});
const route: Route = {
  rule: 0,
  severity: "critical",
  contacts: [contact("a"), contact("b"), contact("c")],
  reminderMinutes: 60,
  escalateAfterMinutes: 30,
};
const T0 = Date.parse("2026-01-15T10:00:00Z");
const min = (m: number) => T0 + m * 60_000;
const fresh: AlertState = {
  alertId: "x",
  prisonId: "p",
  machineId: "m",
  slotId: null,
  type: "stockout",
  detail: "",
  raisedAt: "2026-01-15T09:59:00Z",
  acknowledgedAt: null,
  clearedAt: null,
  firstNotifiedAt: null,
  escalatedTo: 0,
  reminders: 0,
  ackNotified: false,
  closed: false,
};
/** Runs the schedule at each minute given, feeding the state on; returns the steps with their minute. */
function run(minutes: number[], change: (m: number, a: AlertState) => AlertState = (_, a) => a): string[] {
  let a = fresh;
  const out: string[] = [];
  for (const m of minutes) {
    a = change(m, a);
    const r = planSteps(a, route, min(m));
    for (const s of r.steps) out.push(`${m}:${s.step}:${s.contacts.join(",")}`);
    a = r.state;
  }
  return out;
}

describe("planSteps", () => {
  it("given nobody acknowledges, the next contact is told every 30 min and everyone told is reminded hourly", () => {
    expect(run([0, 29, 30, 59, 60, 90, 120, 150])).toEqual([
      "0:raised:0",
      "30:escalated-1:1",
      "60:escalated-2:2",
      "60:reminder-1:0,1",
      "120:reminder-2:0,1,2",
    ]);
  });
  it("after a long pause (notifier down) each contact is escalated to once and only the latest reminder is sent", () => {
    // At 185 min: contacts 1 and 2 once each; reminder 3 (not 1, 2 and 3) to the one told before.
    expect(run([0, 185])).toEqual([
      "0:raised:0",
      "185:escalated-1:1",
      "185:escalated-2:2",
      "185:reminder-3:0",
    ]);
  });
  it("given an acknowledgement before 30 min, nobody else is told and no reminder follows; the clear goes to those told", () => {
    const ackAt10 = (m: number, a: AlertState) =>
      m === 10 ? { ...a, acknowledgedAt: "2026-01-15T10:10:00Z" } : a;
    expect(run([0, 10, 30, 60, 120], ackAt10)).toEqual(["0:raised:0", "10:acknowledged:0"]);
    const clearAt130 = (m: number, a: AlertState) =>
      m === 130 ? { ...ackAt10(10, a), clearedAt: "2026-01-15T12:10:00Z" } : ackAt10(m, a);
    expect(run([0, 10, 30, 130, 140], clearAt130)).toEqual([
      "0:raised:0",
      "10:acknowledged:0",
      "130:cleared:0",
    ]);
  });
  it("given a clear after one escalation, both contacts told hear it, and nothing comes after", () => {
    const clearAt45 = (m: number, a: AlertState) =>
      m === 45 ? { ...a, clearedAt: "2026-01-15T10:45:00Z" } : a;
    expect(run([0, 30, 45, 60, 120], clearAt45)).toEqual([
      "0:raised:0",
      "30:escalated-1:1",
      "45:cleared:0,1",
    ]);
  });
  it("an alert cleared or acknowledged before anyone was told (a backlog) tells nobody and closes", () => {
    const r = planSteps({ ...fresh, clearedAt: "2026-01-15T10:00:00Z" }, route, T0);
    expect(r.steps).toEqual([]);
    expect(r.state.closed).toBe(true);
    expect(planSteps({ ...fresh, acknowledgedAt: "2026-01-15T10:00:00Z" }, route, T0).steps).toEqual([]);
  });
  it("planning twice at the same instant plans nothing the second time", () => {
    const first = planSteps(fresh, route, T0);
    expect(planSteps(first.state, route, T0).steps).toEqual([]);
    const later = planSteps(first.state, route, min(61));
    expect(planSteps(later.state, route, min(61)).steps).toEqual([]);
  });
  it("reminders and escalation can be switched off (0)", () => {
    const quiet = { ...route, reminderMinutes: 0, escalateAfterMinutes: 0 };
    let a = planSteps(fresh, quiet, T0).state;
    expect(planSteps(a, quiet, min(500)).steps).toEqual([]);
    a = { ...a, clearedAt: "2026-01-15T20:00:00Z" };
    expect(planSteps(a, quiet, min(600)).steps.map((s) => s.step)).toEqual(["cleared"]);
  });
});
