import type { HrEvent } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../model/event-queue";
import { localClockFor } from "../model/local-clock";
import { QuotaPolicy } from "../model/quota-policy";
import { Warehouse } from "../model/warehouse";
import { Prng } from "../random/prng";
import { loadScenario } from "../scenario/load-scenario";
import type { FaultSpec, MachineSpec } from "../scenario/scenario-schema";
import type { LedgerFact } from "./ledger-fact";
import { type CardAtMachine, SimMachine } from "./sim-machine";

const t0 = Date.parse("2026-01-05T08:00:00Z");
const MIN = 60_000;
const DAY = 86_400_000;
const base = loadScenario("small").scenario;

/** A machine with every random fault switched off unless asked for. */
function given(
  slots: MachineSpec["slots"],
  initial: Record<string, number>,
  faults: Partial<FaultSpec> = {},
) {
  const quiet: FaultSpec = {
    ...base.faults,
    jamPerDispense: 0,
    cardReader: { perMonth: 0, meanHours: 1 },
    offline: { perMonth: 0, meanMinutes: 1 },
    powerCut: { perMonth: 0, meanMinutes: 1, batteryHours: 4 },
    doorLeftOpen: { perVisit: 0, meanMinutes: 1, alarmAfterMinutes: 10 },
    temperature: { ...base.faults.temperature, excursionsPerMonth: 0 },
    tamper: { perMonth: 0, meanMinutes: 1 },
    countCorrectionPerVisit: 0,
    damagedPerVisit: 0,
    ...faults,
  };
  const queue = new EventQueue();
  const events: HrEvent[] = [];
  const facts: LedgerFact[] = [];
  const machine = new SimMachine(
    { machineId: "t-m1", location: "test", slots },
    "t-prison",
    localClockFor("Europe/Chisinau"),
    {
      schedule: (t, a) => queue.schedule(t, a),
      out: {
        deliver: (item) => {
          if (item.type === "event") events.push(JSON.parse(item.payload));
        },
        fact: (_t, f) => facts.push(f),
      },
      endTime: t0 + 30 * DAY,
      heartbeatMs: 3_600_000,
      firmware: "test-fw",
      faults: quiet,
      quota: new QuotaPolicy([{ itemId: "syringe-kit", max: 2, windowDays: 7 }]),
      items: new Map(base.items.map((i) => [i.itemId, i])),
      count: () => {},
    },
    new Prng("machine-test"),
  );
  const warehouse = new Warehouse([
    { lotId: "NX1", itemId: "naloxone-nasal", expiry: "2027-01-01", quantity: 100 },
  ]);
  machine.commission(t0, new Map(Object.entries(initial)), warehouse);
  const runUntil = (t: number) => {
    while (queue.peekTime() <= t) queue.pop()?.action();
  };
  const last = () => events[events.length - 1];
  return { machine, events, facts, warehouse, runUntil, last };
}

const kitSlot = (slotId: string, capacity = 10) => ({ slotId, itemId: "syringe-kit", capacity });
const card = (token: string): CardAtMachine => ({ token });

describe("SimMachine", () => {
  it("given commissioning, then it connects (birth, seq 1), reserves seq 2 for its will and loads the slots", () => {
    const { events } = given([kitSlot("s1")], { s1: 4 });
    expect(events[0]).toMatchObject({ kind: "status", state: "online", reason: "connect", seq: 1 });
    expect(events[1]).toMatchObject({
      kind: "restock",
      seq: 3,
      quantity: 4,
      stockAfter: 4,
      visitId: "commissioning",
    });
  });

  it("given an empty slot, when a card asks for a kit, then it is refused with reason empty and stock stays 0", () => {
    const { machine, last } = given([kitSlot("s1")], { s1: 0 });
    machine.request(t0 + MIN, card("AAAAAAAAAAAAAAAAAAAAAA"), "syringe-kit");
    expect(last()).toMatchObject({ kind: "dispense_refused", reason: "empty", slotId: "s1" });
    expect(machine.slots[0]?.level).toBe(0);
  });

  it("given a card with two kits this week, when it asks for a third, then it is refused with reason quota", () => {
    const { machine, events, last } = given([kitSlot("s1")], { s1: 10 });
    const c = card("BBBBBBBBBBBBBBBBBBBBBB");
    machine.request(t0 + MIN, c, "syringe-kit");
    machine.request(t0 + 2 * DAY, c, "syringe-kit");
    machine.request(t0 + 3 * DAY, c, "syringe-kit");
    const kinds = events.filter((e) => e.kind !== "status" && e.kind !== "restock").map((e) => e.kind);
    expect(kinds).toEqual(["dispense", "dispense", "dispense_refused"]);
    expect(last()).toMatchObject({ reason: "quota" });
    expect(machine.slots[0]?.level).toBe(8);
    machine.request(t0 + 7 * DAY + MIN, c, "syringe-kit");
    expect(last()).toMatchObject({ kind: "dispense", stockAfter: 7 });
  });

  it("given the door open for service, when a card asks, then it is refused with reason fault", () => {
    const { machine, warehouse, last, runUntil } = given([kitSlot("s1")], { s1: 5 });
    machine.service(
      t0 + DAY,
      { visitId: "v1", planned: new Map([["s1", 5]]), nextVisitAt: t0 + 8 * DAY },
      warehouse,
      20,
    );
    expect(last()).toMatchObject({ kind: "restock", quantity: 5, stockAfter: 10, visitId: "v1" });
    machine.request(t0 + DAY + 5 * MIN, card("CCCCCCCCCCCCCCCCCCCCCC"), "syringe-kit");
    expect(last()).toMatchObject({ kind: "dispense_refused", reason: "fault" });
    runUntil(t0 + DAY + 21 * MIN);
    machine.request(t0 + DAY + 30 * MIN, card("CCCCCCCCCCCCCCCCCCCCCC"), "syringe-kit");
    expect(last()).toMatchObject({ kind: "dispense", stockAfter: 9 });
  });

  it("given a vend that jams, then the unit stays in, a jam fault is raised and the other slot of the item serves", () => {
    const { machine, events, last } = given(
      [kitSlot("s1"), kitSlot("s2")],
      { s1: 3, s2: 3 },
      { jamPerDispense: 1 },
    );
    machine.request(t0 + MIN, card("DDDDDDDDDDDDDDDDDDDDDD"), "syringe-kit");
    expect(events.slice(-2)).toMatchObject([
      { kind: "fault", code: "jam", state: "raised", slotId: "s1" },
      { kind: "dispense_refused", reason: "fault", slotId: "s1" },
    ]);
    expect(machine.slots[0]?.level).toBe(3);
    machine.request(t0 + 2 * MIN, card("EEEEEEEEEEEEEEEEEEEEEE"), "syringe-kit");
    expect(events.slice(-2)).toMatchObject([
      { kind: "fault", code: "jam", slotId: "s2" },
      { kind: "dispense_refused", reason: "fault", slotId: "s2" },
    ]);
    machine.request(t0 + 3 * MIN, card("EEEEEEEEEEEEEEEEEEEEEE"), "syringe-kit");
    expect(last()).toMatchObject({ kind: "dispense_refused", reason: "fault" });
  });

  it("given naloxone lots expiring before the next visit, when serviced, then they are removed as expired and replaced", () => {
    const { machine, warehouse, events } = given([{ slotId: "s2", itemId: "naloxone-nasal", capacity: 6 }], {
      s2: 0,
    });
    const short = new Warehouse([
      { lotId: "OLD", itemId: "naloxone-nasal", expiry: "2026-01-10", quantity: 4 },
    ]);
    machine.service(
      t0,
      { visitId: "v0", planned: new Map([["s2", 4]]), nextVisitAt: t0 - 60 * DAY },
      short,
      1,
    );
    machine.service(
      t0 + DAY,
      { visitId: "v1", planned: new Map([["s2", 6]]), nextVisitAt: t0 + 8 * DAY },
      warehouse,
      1,
    );
    const tail = events.filter((e) => e.kind === "stock_adjustment" || e.kind === "restock").slice(-2);
    expect(tail).toMatchObject([
      { kind: "stock_adjustment", reason: "expired", delta: -4, stockAfter: 0, lotId: "OLD" },
      { kind: "restock", quantity: 6, stockAfter: 6, lots: [{ lotId: "NX1", quantity: 6 }] },
    ]);
  });
});
