import { describe, expect, it } from "vitest";
import { at, machineEvents } from "../../test/events";
import { type Alert, applyAlertCommand } from "./alert";
import { type AlertPolicy, alertPolicy } from "./alert-policy";
import type { AlertCommand } from "./decide-alerts";
import type { MachineInput } from "./evolve-machine";
import { initialMachineState, type MachineState } from "./machine-state";
import { processMachineEvent } from "./process-machine-event";

const m = machineEvents("m1");

/** These hand-made streams leave out the heartbeats between events, so silence is not judged unless a test asks. */
const NO_SILENCE = alertPolicy({ silenceMinutes: 60 * 24 * 365 });

/**
 * Feeds events in arrival order; returns the final state and every alert command, compactly.
 * `arrived[i]`: the stream time event i reached the service (none: unknown, as before).
 */
function run(
  events: MachineInput[],
  policy: AlertPolicy = NO_SILENCE,
  from = initialMachineState("m1"),
  arrived: readonly string[] = [],
) {
  let state: MachineState = from;
  const alerts: AlertCommand[] = [];
  for (const [i, e] of events.entries()) {
    const step = processMachineEvent(state, e, policy, {}, arrived[i]);
    state = step.state;
    alerts.push(...step.alerts);
  }
  const brief = alerts.map(
    (a) => `${a.command} ${a.type}${a.slotId ? `/${a.slotId}` : ""} @${a.at.slice(11, 16)}`,
  );
  return { state, alerts, brief };
}

const started = [m.registry(), m.online(1, "08:00"), m.restock(3, "08:01", "s1", 2, 2)];

describe("processMachineEvent", () => {
  it("given a stock event, then it yields a level change keyed by the event; other events yield none", () => {
    const s = run(started).state;
    const step = processMachineEvent(s, m.dispense(4, "09:00", "s1", 1), alertPolicy());
    expect(step.levelChange).toEqual({
      key: "m1:4",
      machineId: "m1",
      prisonId: "p1",
      slotId: "s1",
      itemId: "syringe-kit",
      seq: 4,
      deviceTime: at("09:00"),
      level: 1,
      delta: -1,
      cause: "dispense",
      reason: null,
      usableUntil: null,
    });
    expect(
      processMachineEvent(s, m.adjust(4, "09:00", "s1", -1, 1, "damaged"), alertPolicy()).levelChange,
    ).toMatchObject({ delta: -1, cause: "adjustment", reason: "damaged" });
    expect(processMachineEvent(s, m.heartbeat(4, "09:00"), alertPolicy()).levelChange).toBeUndefined();
  });

  it("given the prison's time zone, when a naloxone lot expires after the spring DST change, then its units are usable until local midnight at the new offset, not the device's", () => {
    // at("0 …") is 2026-03-23 at +02:00; Europe/Chisinau is at +03:00 from 2026-03-29.
    const zoned = { ...initialMachineState("m1"), timeZone: "Europe/Chisinau" };
    const s = run([m.registry(), m.online(1, "08:00")], NO_SILENCE, zoned).state;
    const step = processMachineEvent(
      s,
      m.restock(3, "08:01", "s2", 2, 2, [{ lotId: "NX-A", expiry: "2026-04-05", quantity: 2 }]),
      NO_SILENCE,
    );
    expect(step.levelChange?.usableUntil).toBe("2026-04-06T00:00:00+03:00");
    const unzoned = run([m.registry(), m.online(1, "08:00")]).state;
    expect(
      processMachineEvent(
        unzoned,
        m.restock(3, "08:01", "s2", 2, 2, [{ lotId: "NX-A", expiry: "2026-04-05", quantity: 2 }]),
        NO_SILENCE,
      ).levelChange?.usableUntil,
    ).toBe("2026-04-06T00:00:00+02:00");
  });

  it("given a duplicate, then nothing changes and nothing is to be written", () => {
    const { state } = run([...started, m.dispense(4, "09:00", "s1", 0)]);
    const step = processMachineEvent(state, m.dispense(4, "09:00", "s1", 0), alertPolicy());
    expect(step).toEqual({ state, levelChange: undefined, alerts: [], duplicate: true });
    expect(step.state).toBe(state);
  });

  describe("stockout", () => {
    it("given the dispense that empties a slot and a later restock, then one stockout is raised at the dispense and cleared at the restock", () => {
      const { brief, alerts } = run([
        ...started,
        m.dispense(4, "09:00", "s1", 1),
        m.dispense(5, "09:30", "s1", 0),
        m.refused(6, "09:40", "s1"),
        m.restock(7, "12:00", "s1", 20, 20),
      ]);
      expect(brief).toEqual(["raise stockout/s1 @09:30", "clear stockout/s1 @12:00"]);
      expect(alerts[0]).toMatchObject({
        alertId: `m1/s1/stockout/${at("09:30")}`,
        prisonId: "p1",
        detail: "slot s1 (syringe-kit) is empty",
      });
      expect(alerts[1]?.alertId).toBe(alerts[0]?.alertId);
    });

    it("given the emptying dispense replayed late after an outage, then the stockout carries its own device time, not the arrival's", () => {
      const { brief } = run([
        ...started,
        m.heartbeat(4, "09:00"),
        m.will(2, "08:00"),
        m.dispense(5, "09:20", "s1", 1),
        m.dispense(6, "09:40", "s1", 0),
        m.online(7, "10:30"),
      ]);
      expect(brief).toEqual(["raise offline @09:00", "raise stockout/s1 @09:40", "clear offline @10:30"]);
    });
  });

  describe("offline", () => {
    it("given a will, replayed events and a birth, then one offline alert from the last sign of life before the will to the birth", () => {
      const { brief, state } = run([
        ...started,
        m.heartbeat(4, "08:05"),
        m.heartbeat(5, "08:10"),
        m.will(2, "08:00"),
        m.heartbeat(6, "08:15"),
        m.heartbeat(7, "08:20"),
        m.online(8, "08:22"),
        m.heartbeat(10, "08:25"),
      ]);
      expect(brief).toEqual(["raise offline @08:10", "clear offline @08:22"]);
      expect(state.alerts).toEqual({});
    });

    it("given a birth that dates the lost connection, when the will comes after the will's estimate, then the outage is restated from the machine's own time", () => {
      const { brief, alerts } = run([
        ...started,
        m.heartbeat(4, "08:05"),
        m.heartbeat(5, "08:10"),
        m.will(2, "08:00"),
        m.heartbeat(6, "08:15"),
        m.online(7, "08:22", "08:12"),
      ]);
      expect(brief).toEqual(["raise offline @08:10", "clear offline @08:22"]);
      expect(alerts[1]).toMatchObject({ command: "clear", raisedAt: at("08:12") });
    });

    it("given the replay burst and the birth overtaking the will, then the birth alone records the outage once and the late will is stale", () => {
      const { brief, state } = run([
        ...started,
        m.heartbeat(4, "08:05"),
        m.heartbeat(5, "08:10"),
        m.heartbeat(6, "08:15"),
        m.online(7, "08:22", "08:12"),
        m.will(2, "08:00"),
        m.heartbeat(9, "08:25"),
      ]);
      expect(brief).toEqual(["raise offline @08:12", "clear offline @08:22"]);
      expect(state.connection).toMatchObject({ status: "online", birthSeq: 7 });
    });

    it("given a machine silent longer than the policy allows, when its next heartbeat comes without any will, then that silence is an offline period", () => {
      const { brief } = run(
        [...started, m.heartbeat(4, "08:05"), m.heartbeat(5, "09:00")],
        alertPolicy({ silenceMinutes: 15 }),
      );
      expect(brief).toEqual(["raise offline @08:05", "clear offline @09:00"]);
    });

    // The main-job flake (seed 7, sm-north-m1, 17 April): the machine went dark 59 s after its last
    // heartbeat (the broker published its will), booted with its network still down and buffered
    // its events; the burst and the birth came seconds later in wall time (speed max), the will
    // behind some of them on another gateway connection. The 55-minute gap in device times was
    // taken for a silence while connected: an extra period from the last heartbeat.
    const darkThenBuffered = (willAt: number) => {
      const events: MachineInput[] = [
        ...started,
        m.heartbeat(4, "08:05"),
        m.heartbeat(5, "08:10"), // last sign of life; dark at 08:11
        m.heartbeat(6, "09:05"), // booted, network still down: buffered
        m.heartbeat(7, "09:10"),
        m.online(8, "09:30", "08:11"), // network back: the birth dates the lost connection
      ];
      events.splice(willAt, 0, m.will(2, "08:00"));
      return events;
    };
    /** Stream times a fast replay gives: 50 ms apart. */
    const burst = (n: number) =>
      Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 3, 1, 12) + 50 * i).toISOString());
    /** Offline periods as the alert rows end up (raise, then clear with its restated start). */
    const offlinePeriods = (alerts: AlertCommand[]) => {
      const rows = new Map<string, Alert>();
      for (const c of alerts)
        if (c.type === "offline") rows.set(c.alertId, applyAlertCommand(rows.get(c.alertId), c));
      return [...rows.values()].map((a) => `${a.raisedAt.slice(11, 16)}–${a.clearedAt?.slice(11, 16)}`);
    };

    it.each([
      ["before the buffered events", 5],
      ["between the buffered events", 6],
      ["between the buffered events and the birth", 7],
      ["after the birth (stale)", 8],
    ])(
      "given a machine dark then buffering, its burst arriving within seconds and its will %s, then one outage: the birth's own account, 08:11–09:30",
      (_, willAt) => {
        const events = darkThenBuffered(willAt);
        const { alerts, state } = run(
          events,
          alertPolicy({ silenceMinutes: 15 }),
          undefined,
          burst(events.length),
        );
        expect(offlinePeriods(alerts)).toEqual(["08:11–09:30"]);
        expect(state.connection).toMatchObject({ status: "online", birthSeq: 8 });
      },
    );

    it("given the same machine heard in real time (each event reaches the stream at its device time) and no will, then the 55 silent minutes are an offline period from its last sign of life", () => {
      const events = [...started, m.heartbeat(4, "08:05"), m.heartbeat(5, "08:10"), m.heartbeat(6, "09:05")];
      const { brief } = run(
        events,
        alertPolicy({ silenceMinutes: 15 }),
        undefined,
        events.map((e) => ("deviceTime" in e ? new Date(e.deviceTime).toISOString() : at("07:59"))),
      );
      expect(brief).toEqual(["raise offline @08:10", "clear offline @09:05"]);
    });

    it("given a clean shutdown, then no offline alert by default, and one when the policy asks for it", () => {
      const events = [...started, m.heartbeat(4, "08:05"), m.shutdown(2, "09:00")];
      expect(run(events).brief).toEqual([]);
      expect(run(events, { ...NO_SILENCE, alertOnShutdown: true }).brief).toEqual(["raise offline @09:00"]);
    });
  });

  it("given quota refusals piling up at a machine, then one refusal spike from the refusal that reached the count until the window holds fewer", () => {
    const policy = alertPolicy({
      silenceMinutes: NO_SILENCE.silenceMinutes,
      refusalSpike: { count: 3, minutes: 60 },
    });
    const { brief } = run(
      [
        ...started,
        m.refused(4, "09:00", "s1"),
        m.refused(5, "09:20", "s1"),
        m.heartbeat(6, "09:30"),
        m.refused(7, "09:40", "s1"),
        m.refused(8, "09:50", "s1"),
        m.heartbeat(9, "10:05"),
        m.heartbeat(10, "10:45"),
      ],
      policy,
    );
    // 09:00, 09:20, 09:40 reach 3 at 09:40; at 10:05 the window (09:05, 10:05] still holds 3
    // (09:20, 09:40, 09:50); at 10:45 only 09:50 is left.
    expect(brief).toEqual(["raise refusal_spike @09:40", "clear refusal_spike @10:45"]);
  });

  it("given a Min per slot, then low stock is raised below it and cleared at it", () => {
    const policy = alertPolicy({
      silenceMinutes: NO_SILENCE.silenceMinutes,
      lowStockMin: (machineId, slotId) => (machineId === "m1" && slotId === "s1" ? 5 : undefined),
    });
    const { brief } = run(
      [
        m.registry(),
        m.restock(3, "08:00", "s1", 6, 6),
        m.dispense(4, "09:00", "s1", 5),
        m.dispense(5, "09:10", "s1", 4),
        m.adjust(6, "10:00", "s1", 1, 5),
      ],
      policy,
    );
    expect(brief).toEqual(["raise low_stock/s1 @09:10", "clear low_stock/s1 @10:00"]);
  });

  it("given cabinet temperatures, then an alert outside the band (default 5..40 °C), and the band is configurable", () => {
    const events = [
      m.heartbeat(3, "10:00", { temperatureC: 26 }),
      m.heartbeat(4, "10:05", { temperatureC: 41 }),
      m.heartbeat(5, "10:10", { temperatureC: 39 }),
    ];
    expect(run(events).brief).toEqual([
      "raise temperature_out_of_range @10:05",
      "clear temperature_out_of_range @10:10",
    ]);
    expect(run(events, { ...NO_SILENCE, temperatureBand: { minC: 20, maxC: 25 } }).brief).toEqual([
      "raise temperature_out_of_range @10:00",
    ]);
  });

  it("given faults, then one alert per code and slot; the door alarm is door_open", () => {
    const { brief } = run([
      m.fault(3, "10:00", "jam", "raised", "s1"),
      m.fault(4, "10:01", "jam", "raised", "s2"),
      m.fault(5, "10:02", "door_open", "raised"),
      m.fault(6, "10:03", "power_loss", "raised"),
      m.fault(7, "11:00", "jam", "cleared", "s1"),
      m.fault(8, "11:05", "door_open", "cleared"),
    ]);
    expect(brief).toEqual([
      "raise fault_jam/s1 @10:00",
      "raise fault_jam/s2 @10:01",
      "raise door_open @10:02",
      "raise fault_power_loss @10:03",
      "clear fault_jam/s1 @11:00",
      "clear door_open @11:05",
    ]);
  });

  it("given a naloxone lot that comes within the policy's days of expiry, then lot_expiring is raised, and cleared when the lot is removed", () => {
    const { brief, alerts } = run(
      [
        m.restock(3, "0 10:00", "s2", 2, 2, [{ lotId: "NX-A", expiry: "2026-04-05", quantity: 2 }]),
        m.heartbeat(4, "5 10:00"),
        m.heartbeat(5, "6 10:00"),
        m.adjust(6, "7 10:00", "s2", -2, 0, "expired", "NX-A"),
      ],
      { ...NO_SILENCE, lotExpiringDays: 7 },
    );
    expect(brief).toEqual([
      "raise lot_expiring/s2 @10:00",
      "clear lot_expiring/s2 @10:00",
      "raise stockout/s2 @10:00",
    ]);
    expect(alerts[0]).toMatchObject({
      at: at("6 10:00"),
      detail: "slot s2 (naloxone-nasal): lot NX-A ×2 expires 2026-04-05",
    });
    expect(alerts[1]?.at).toBe(at("7 10:00"));
  });

  it("given the registry retires the machine, then its active alerts are cleared and no new ones raised", () => {
    const { brief } = run([
      ...started,
      m.dispense(4, "09:00", "s1", 1),
      m.dispense(5, "09:30", "s1", 0),
      m.registry(undefined, false),
      m.fault(6, "10:00", "tamper", "raised"),
    ]);
    expect(brief).toEqual(["raise stockout/s1 @09:30", `clear stockout/s1 @09:30`]);
  });
});
