import { describe, expect, it } from "vitest";
import { at, machineEvents } from "../../test/events";
import { alertPolicy } from "./alert-policy";
import { initialMachineState } from "./machine-state";
import { processMachineEvent } from "./process-machine-event";
import { tickMachine } from "./tick-machine";

const m = machineEvents("m1");
const policy = alertPolicy({ silenceMinutes: 15, lotExpiringDays: 7 });
const fed = [m.online(1, "08:00"), m.heartbeat(3, "08:05")].reduce(
  (s, e) => processMachineEvent(s, e, policy).state,
  initialMachineState("m1"),
);

describe("tickMachine", () => {
  it("given an online machine heard from at 08:05, when time passes without a will, then it is offline from 08:05 once the silence exceeds the limit", () => {
    expect(tickMachine(fed, at("08:15"), policy).alerts).toEqual([]);
    const late = tickMachine(fed, at("08:25"), policy);
    expect(late.alerts).toEqual([
      expect.objectContaining({
        command: "raise",
        type: "offline",
        at: at("08:05"),
        alertId: `m1/-/offline/${at("08:05")}`,
      }),
    ]);
    expect(tickMachine(late.state, at("08:30"), policy).alerts).toEqual([]);

    const back = processMachineEvent(late.state, m.heartbeat(4, "08:40"), policy);
    expect(back.alerts).toEqual([
      expect.objectContaining({ command: "clear", type: "offline", at: at("08:40") }),
    ]);
    expect(back.state.connection).toMatchObject({ status: "online", since: at("08:40") });
  });

  it("given a machine already offline by its will, then ticks change nothing", () => {
    const offline = processMachineEvent(fed, m.will(2, "08:00"), policy);
    expect(offline.alerts).toHaveLength(1);
    expect(tickMachine(offline.state, at("1 08:00"), policy)).toEqual({ state: offline.state, alerts: [] });
  });

  it("given a lot far from expiry, when the days pass, then the tick raises lot_expiring at the tick's time", () => {
    const s = processMachineEvent(
      fed,
      m.restock(4, "08:10", "s2", 2, 2, [{ lotId: "NX-A", expiry: "2026-04-05", quantity: 2 }]),
      policy,
    ).state;
    expect(
      tickMachine(s, at("08:20"), alertPolicy({ silenceMinutes: 60 * 24 * 30, lotExpiringDays: 7 })).alerts,
    ).toEqual([]);
    const due = tickMachine(
      s,
      "2026-03-29T06:00:00.000Z",
      alertPolicy({ silenceMinutes: 60 * 24 * 30, lotExpiringDays: 7 }),
    );
    expect(due.alerts).toEqual([
      expect.objectContaining({
        command: "raise",
        type: "lot_expiring",
        slotId: "s2",
        at: "2026-03-29T06:00:00.000Z",
      }),
    ]);
  });
});
