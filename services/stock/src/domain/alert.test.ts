import { describe, expect, it } from "vitest";
import { at } from "../../test/events";
import { type Alert, acknowledge, applyAlertCommand, markReminded, remindersDue } from "./alert";
import type { AlertCommand } from "./decide-alerts";
import { AlertLifecycleError } from "./errors";

const subject = {
  alertId: "m1/-/offline/x",
  machineId: "m1",
  prisonId: "p1",
  slotId: null,
  type: "offline",
} as const;
const raise: AlertCommand = {
  ...subject,
  command: "raise",
  at: at("08:00"),
  detail: "offline (connection_lost)",
};
const clear: AlertCommand = { ...subject, command: "clear", at: at("09:00") };
const raised = applyAlertCommand(undefined, raise);

describe("alert lifecycle", () => {
  it("given a raise, then an active record; a repeated raise or clear changes nothing", () => {
    expect(raised).toEqual({
      id: "m1/-/offline/x",
      machineId: "m1",
      prisonId: "p1",
      slotId: null,
      type: "offline",
      detail: "offline (connection_lost)",
      raisedAt: at("08:00"),
      acknowledgedAt: null,
      acknowledgedBy: null,
      clearedAt: null,
      remindedAt: null,
    });
    expect(applyAlertCommand(raised, raise)).toBe(raised);
    const cleared = applyAlertCommand(raised, clear);
    expect(cleared.clearedAt).toBe(at("09:00"));
    expect(applyAlertCommand(cleared, { ...clear, at: at("10:00") })).toBe(cleared);
  });

  it("given a clear of an alert never raised, then a named error", () => {
    expect(() => applyAlertCommand(undefined, clear)).toThrow(AlertLifecycleError);
  });

  it("given an acknowledgement, then it records when and by whom; a second keeps the first; a cleared alert refuses it", () => {
    const acked = acknowledge(raised, at("08:10"), "ops-chisinau");
    expect(acked).toMatchObject({
      acknowledgedAt: at("08:10"),
      acknowledgedBy: "ops-chisinau",
      clearedAt: null,
    });
    expect(acknowledge(acked, at("08:20"), "someone-else")).toBe(acked);
    expect(() => acknowledge(applyAlertCommand(raised, clear), at("09:10"), "x")).toThrow(/was cleared at/);
  });

  it("given active alerts, then offline and stockout reminders fall due every N minutes while they last, acknowledged or not", () => {
    const stockout: Alert = { ...raised, id: "s", type: "stockout", slotId: "s1", raisedAt: at("08:30") };
    const low: Alert = { ...raised, id: "l", type: "low_stock", slotId: "s1" };
    const alerts = [acknowledge(raised, at("08:05"), "ops"), stockout, low];
    expect(remindersDue(alerts, at("08:50"), 30).map((r) => r.alertId)).toEqual(["m1/-/offline/x"]);
    expect(remindersDue(alerts, at("09:00"), 30)).toEqual([
      {
        alertId: "m1/-/offline/x",
        machineId: "m1",
        slotId: null,
        type: "offline",
        raisedAt: at("08:00"),
        minutes: 60,
      },
      { alertId: "s", machineId: "m1", slotId: "s1", type: "stockout", raisedAt: at("08:30"), minutes: 30 },
    ]);
    const reminded = alerts.map((a) => markReminded(a, at("09:00")));
    expect(remindersDue(reminded, at("09:20"), 30)).toEqual([]);
    expect(remindersDue(reminded, at("09:30"), 30)).toHaveLength(2);
    expect(remindersDue([applyAlertCommand(raised, clear)], at("12:00"), 30)).toEqual([]);
  });
});
