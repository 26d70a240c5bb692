import { describe, expect, it } from "vitest";
import { at, machineEvents } from "../../test/events";
import { MachineMismatchError } from "./errors";
import { evolveMachine, isDuplicate, type MachineInput } from "./evolve-machine";
import type { ItemCatalog } from "./item-catalog";
import { initialMachineState, type MachineState } from "./machine-state";

const m = machineEvents("m1");
const CATALOG: ItemCatalog = {
  "syringe-kit": { category: "syringe_kit", tracksLots: false },
  "naloxone-nasal": { category: "naloxone_nasal", tracksLots: true },
};
const apply = (events: MachineInput[], from: MachineState = initialMachineState("m1")) =>
  events.reduce((s, e) => evolveMachine(s, e, CATALOG), from);

describe("evolveMachine", () => {
  it("given its registry entry and the item catalog, then the machine has its slots with capacity, category and lot tracking", () => {
    const s = apply([m.registry()]);
    expect(s).toMatchObject({ prisonId: "p1", location: "Block A", active: true });
    expect(s.slots.s2).toMatchObject({
      itemId: "naloxone-nasal",
      capacity: 8,
      category: "naloxone_nasal",
      tracksLots: true,
      level: null,
    });
  });

  it("given stock events, then the level is the stockAfter of the highest seq, whatever the arrival order", () => {
    const events = [
      m.restock(3, "08:00", "s1", 20, 20),
      m.dispense(4, "09:00", "s1", 19),
      m.dispense(5, "09:30", "s1", 18),
    ];
    const inOrder = apply([m.registry(), ...events]);
    const shuffled = apply([m.registry(), events[2]!, events[0]!, events[1]!]);
    expect(inOrder.slots.s1).toMatchObject({ level: 18, levelSeq: 5, levelAt: at("09:30") });
    expect(shuffled.slots.s1).toEqual(inOrder.slots.s1);
  });

  it("given a stock event of a slot the registry has not announced, then the slot appears from the event", () => {
    const s = apply([m.dispense(4, "09:00", "s9", 3)]);
    expect(s.slots.s9).toMatchObject({ itemId: "syringe-kit", capacity: null, level: 3 });
  });

  it("given naloxone lots, then restocks add them, dispenses and removals take from the named lot, and unnamed removals go first-expiry-first-out", () => {
    const s = apply([
      m.registry(),
      m.restock(3, "08:00", "s2", 5, 5, [
        { lotId: "NX-A", expiry: "2026-09-30", quantity: 3 },
        { lotId: "NX-B", expiry: "2026-04-10", quantity: 2 },
      ]),
      m.dispense(4, "09:00", "s2", 4, "NX-B"),
      m.adjust(5, "09:10", "s2", -1, 3, "damaged", "NX-A"),
      m.adjust(6, "09:20", "s2", -1, 2, "expired"),
    ]);
    expect(s.slots.s2?.lots).toEqual([{ lotId: "NX-A", expiry: "2026-09-30", quantity: 2 }]);
    expect(s.slots.s2?.level).toBe(2);
  });

  it("given the same event twice, then the second changes nothing (same object)", () => {
    const once = apply([
      m.registry(),
      m.online(1, "08:00"),
      m.restock(3, "08:00", "s2", 2, 2, [{ lotId: "NX-A", expiry: "2026-09-30", quantity: 2 }]),
    ]);
    const e = m.dispense(4, "09:00", "s2", 1, "NX-A");
    const after = evolveMachine(once, e, CATALOG);
    expect(isDuplicate(after, e)).toBe(true);
    expect(evolveMachine(after, e, CATALOG)).toBe(after);
    expect(after.slots.s2?.lots).toEqual([{ lotId: "NX-A", expiry: "2026-09-30", quantity: 1 }]);
  });

  it("given heartbeats, then health follows the newest by seq and a replayed older one does not move it", () => {
    const s = apply([
      m.heartbeat(5, "10:05", { temperatureC: 30 }),
      m.heartbeat(4, "10:00", { temperatureC: 20, door: "open" }),
    ]);
    expect(s.health).toMatchObject({
      seq: 5,
      at: at("10:05"),
      temperatureC: 30,
      door: "closed",
      power: "mains",
      batteryPct: 100,
    });
    expect(s.lastSeenAt).toBe(at("10:05"));
  });

  it("given faults raised and cleared by code and slot, then the active ones are kept with the time they started", () => {
    const s = apply([
      m.fault(3, "10:00", "jam", "raised", "s1"),
      m.fault(4, "10:05", "tamper", "raised"),
      m.fault(5, "10:10", "jam", "raised", "s1"),
      m.fault(6, "11:00", "tamper", "cleared"),
    ]);
    expect(s.faults["jam/s1"]).toMatchObject({ active: true, since: at("10:00"), slotId: "s1" });
    expect(s.faults["tamper/-"]).toMatchObject({ active: false, since: at("11:00") });
  });

  describe("connection", () => {
    it("given a birth, then the machine is online since the birth's device time", () => {
      expect(apply([m.online(1, "08:00")]).connection).toEqual({
        status: "online",
        since: at("08:00"),
        reason: "connect",
        birthSeq: 1,
      });
    });

    it("given a will (deviceTime = connect time), then offline starts at the last sign of life before it, not at the will's time", () => {
      const s = apply([
        m.online(1, "08:00"),
        m.heartbeat(3, "08:05"),
        m.heartbeat(4, "08:10"),
        m.will(2, "08:00"),
      ]);
      expect(s.connection).toMatchObject({
        status: "offline",
        since: at("08:10"),
        reason: "connection_lost",
      });
    });

    it("given events replayed after the will, then they do not end the outage; the next birth does, at its device time", () => {
      let s = apply([
        m.online(1, "08:00"),
        m.heartbeat(3, "08:05"),
        m.will(2, "08:00"),
        m.heartbeat(4, "08:10"),
        m.heartbeat(5, "08:15"),
      ]);
      expect(s.connection).toMatchObject({ status: "offline", since: at("08:05") });
      s = apply([m.online(6, "08:17")], s);
      expect(s.connection).toEqual({ status: "online", since: at("08:17"), reason: "connect", birthSeq: 6 });
      expect(s.lastSeenAt).toBe(at("08:17"));
    });

    it("given a stale will of an older connection arriving after a newer birth, then the machine stays online", () => {
      const s = apply([
        m.online(1, "08:00"),
        m.heartbeat(3, "08:05"),
        m.online(4, "08:06"),
        m.will(2, "08:00"),
      ]);
      expect(s.connection).toMatchObject({ status: "online", since: at("08:06"), birthSeq: 4 });
    });

    it("given a clean shutdown, then the machine is offline since the shutdown's time", () => {
      const s = apply([m.online(1, "08:00"), m.heartbeat(3, "08:05"), m.shutdown(2, "09:00")]);
      expect(s.connection).toMatchObject({ status: "offline", since: at("09:00"), reason: "shutdown" });
    });

    it("given no status yet, then the first sign of life makes it online", () => {
      expect(apply([m.heartbeat(40, "08:05")]).connection).toMatchObject({
        status: "online",
        since: at("08:05"),
        reason: "sign_of_life",
      });
    });
  });

  it("given an event of another machine, then it refuses it with a named error", () => {
    const other = machineEvents("m2").heartbeat(1, "08:00");
    expect(() => evolveMachine(initialMachineState("m1"), other)).toThrow(MachineMismatchError);
    expect(() => evolveMachine(initialMachineState("m1"), other)).toThrow(
      "event m2:1 of machine 'm2' was applied to the state of 'm1'",
    );
  });
});
