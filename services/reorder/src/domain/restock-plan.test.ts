import { describe, expect, it } from "vitest";
import { threeMachines } from "../../test/test-plan";
import { InvalidParameterError } from "./errors";
import { restockPlan } from "./restock-plan";

const at = (iso: string) => Date.parse(iso);
const flat = (averageDaily: number, sigmaDaily = 0) => ({
  averageDaily,
  sigmaDaily,
  weekdayFactors: [1, 1, 1, 1, 1, 1, 1],
});

describe("restockPlan", () => {
  it("given three machines, then the one out before the visit comes first, then the one out before the visit after next, then the rest", () => {
    const plan = restockPlan(threeMachines());
    expect(plan.followingVisitAt).toBe(at("2026-03-11T10:00:00Z"));
    expect(
      plan.machines.map((m) => [m.priority, m.machineId, m.projectedStockoutAt, m.stockoutItemId]),
    ).toEqual([
      [1, "mA", at("2026-03-04T00:00:00Z"), "syringe-kit"], // 4 units at 2/day
      [2, "mC", at("2026-03-10T00:00:00Z"), "syringe-kit"], // 8 units at 1/day
      [3, "mB", null, null], // 10 units at 1/day: out on the 12th, after the visit after next
    ]);
  });

  it("given a slot empty before the visit, then it is filled to Max = demand × (lead + review)", () => {
    const mA = restockPlan(threeMachines()).machines[0]!.slots[0]!;
    expect(mA).toMatchObject({
      projectedAtVisit: 0,
      min: 4,
      max: 18,
      quantity: 18,
      loadUnits: 18,
      daysOfCover: 2,
    });
  });

  it("given σ, then safety stock raises Min and Max, and the projected stock is rounded down", () => {
    // 10 − 1 × 2 5/12 = 7.58 → 7 at the visit; Min = 2 + 1.65 × √2 = 4.33 → 5; Max = 11.33 → 12.
    const mB = restockPlan(threeMachines()).machines[2]!.slots[0]!;
    expect(mB).toMatchObject({ projectedAtVisit: 7, min: 5, max: 12, quantity: 5, daysOfCover: 10 });
    expect(mB.safetyStock).toBeCloseTo(1.65 * Math.SQRT2, 12);
  });

  it("given a naloxone lot expiring before the visit after next, then its remaining units are swapped and replaced", () => {
    const mC = restockPlan(threeMachines()).machines[1]!;
    const nal = mC.slots.find((s) => s.slotId === "s2")!;
    // 6 − 0.1 × 2 5/12 = 5.76 → 5 at the visit: 1 unit of NX-SOON dispensed first (FEFO), 1 left to swap.
    expect(nal).toMatchObject({
      projectedAtVisit: 5,
      min: 1,
      max: 1,
      quantity: 0,
      swapUnits: 1,
      loadUnits: 1,
    });
    expect(nal.lotsToSwap).toEqual([
      { lotId: "NX-SOON", expiry: "2026-03-10", quantityNow: 2, quantityAtVisit: 1 },
    ]);
    expect(mC.slots.find((s) => s.slotId === "s1")).toMatchObject({
      projectedAtVisit: 5,
      max: 9,
      quantity: 4,
    });
    expect(mC.loadUnits).toBe(5);
  });

  it("given the plan, then the pick list adds quantities and replacements per item, with lots to bring back", () => {
    expect(restockPlan(threeMachines()).pickList).toEqual([
      {
        itemId: "naloxone-nasal",
        restockUnits: 0,
        replacementUnits: 1,
        totalUnits: 1,
        lotsToReturn: [{ lotId: "NX-SOON", expiry: "2026-03-10", units: 1 }],
      },
      { itemId: "syringe-kit", restockUnits: 27, replacementUnits: 0, totalUnits: 27, lotsToReturn: [] },
    ]);
  });

  it("given high demand, then Max and the quantity stop at capacity", () => {
    const input = threeMachines();
    const plan = restockPlan({
      ...input,
      machines: [
        {
          machineId: "mD",
          slots: [{ slotId: "s1", itemId: "syringe-kit", capacity: 10, stock: 3, demand: flat(2) }],
        },
      ],
    });
    // Uncapped Max = 2 × (2 + 7) = 18; the slot holds 10; empty at the visit, so 10 to load.
    expect(plan.machines[0]!.slots[0]).toMatchObject({ projectedAtVisit: 0, max: 10, quantity: 10 });
  });

  it("given more stock at the visit than Max, then nothing to bring (never a negative quantity)", () => {
    const input = threeMachines();
    const plan = restockPlan({
      ...input,
      machines: [
        {
          machineId: "mD",
          slots: [{ slotId: "s1", itemId: "syringe-kit", capacity: 10, stock: 9, demand: flat(0.2) }],
        },
      ],
    });
    // Max = 0.2 × 9 = 1.8 → 2; projected 9 − 0.48 = 8.52 → 8.
    expect(plan.machines[0]!.slots[0]).toMatchObject({
      projectedAtVisit: 8,
      max: 2,
      quantity: 0,
      loadUnits: 0,
    });
  });

  it("given two slots of one item, then they empty in slot order and the machine is out when both are", () => {
    const input = threeMachines();
    const plan = restockPlan({
      ...input,
      machines: [
        {
          machineId: "mT",
          slots: [
            { slotId: "s1", itemId: "syringe-kit", capacity: 10, stock: 2, demand: flat(1) },
            { slotId: "s2", itemId: "syringe-kit", capacity: 10, stock: 6, demand: flat(1) },
          ],
        },
      ],
    });
    const m = plan.machines[0]!;
    // The pool dispenses 2 a day: s1 empties after 1 day, s2 after 4; 8 − 4.83 = 3.17 → 3 at the visit, all in s2.
    expect(m.projectedStockoutAt).toBe(at("2026-03-06T00:00:00Z"));
    expect(m.daysOfCover).toBe(4);
    expect(
      m.slots.map((s) => [s.slotId, s.projectedStockoutAt, s.projectedAtVisit, s.max, s.quantity]),
    ).toEqual([
      ["s1", at("2026-03-03T00:00:00Z"), 0, 9, 9],
      ["s2", at("2026-03-06T00:00:00Z"), 3, 9, 6],
    ]);
  });

  it("given fillTo capacity (the default), then each slot's quantity is capacity − projected + ⌈safety stock⌉, Max unchanged", () => {
    const { fillTo: _, ...input } = threeMachines();
    const plan = restockPlan(input);
    expect(plan.fillTo).toBe("capacity");
    const byMax = restockPlan(threeMachines());
    for (const [i, m] of plan.machines.entries())
      for (const [j, s] of m.slots.entries()) {
        const same = byMax.machines[i]!.slots[j]!;
        expect(s.max).toBe(same.max);
        expect(s.quantity).toBe(s.capacity - s.projectedAtVisit + Math.ceil(s.safetyStock - 1e-9));
        expect(s.quantity).toBeGreaterThanOrEqual(same.quantity);
      }
    // mB: capacity 30, 10 now, 1 a day (σ 1): 7 at the visit, safety 1.65 × 1 × √2 = 2.33 → 3: 23 + 3.
    expect(plan.machines.find((m) => m.machineId === "mB")!.slots[0]).toMatchObject({
      projectedAtVisit: 7,
      quantity: 26,
    });
  });

  it("given machines with no stockout ahead, then lowest days of cover first and no demand last", () => {
    const input = threeMachines();
    const slot = (stock: number, averageDaily: number) => [
      { slotId: "s1", itemId: "syringe-kit", capacity: 50, stock, demand: flat(averageDaily) },
    ];
    const plan = restockPlan({
      ...input,
      machines: [
        { machineId: "m-idle", slots: slot(5, 0) },
        { machineId: "m-20d", slots: slot(40, 2) },
        { machineId: "m-15d", slots: slot(30, 2) },
      ],
    });
    expect(plan.machines.map((m) => [m.machineId, m.daysOfCover])).toEqual([
      ["m-15d", 15],
      ["m-20d", 20],
      ["m-idle", null],
    ]);
  });

  it("given a plan, then it is plain data that survives a JSON round trip", () => {
    const plan = restockPlan(threeMachines("Europe/Chisinau"));
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it("given a visit in the past, then a named error", () => {
    const input = threeMachines();
    expect(() => restockPlan({ ...input, visitAt: input.now - 1 })).toThrow(InvalidParameterError);
    expect(() => restockPlan({ ...input, followingVisitAt: input.visitAt })).toThrow(InvalidParameterError);
  });
});
