import { describe, expect, it } from "vitest";
import type { DispenseRecord } from "./daily-consumption";
import { type DemandBySlotInput, demandBySlot } from "./demand-by-slot";

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
// Window: the 10 UTC days 2026-03-21 … 2026-03-30.
const start = at("2026-03-21T00:00:00Z");
const noonOf = (day: number) => start + day * DAY + DAY / 2;

function dispenses(
  machineId: string,
  slotId: string,
  itemId: string,
  days: number[],
  quantity = 1,
): DispenseRecord[] {
  return days.map((d) => ({ machineId, slotId, itemId, at: noonOf(d), quantity }));
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

const base: DemandBySlotInput = {
  prisonId: "p1",
  timeZone: "UTC",
  now: at("2026-03-31T12:00:00Z"),
  windowDays: 10,
  slots: [
    { machineId: "m1", slotId: "s1", itemId: "syringe-kit", capacity: 25 },
    { machineId: "m1", slotId: "s2", itemId: "naloxone-nasal", capacity: 8 },
    { machineId: "m2", slotId: "s1", itemId: "syringe-kit", capacity: 20 },
    { machineId: "m2", slotId: "s2", itemId: "syringe-kit", capacity: 30 },
    { machineId: "m2", slotId: "s3", itemId: "naloxone-nasal", capacity: 8 },
  ],
  dispenses: [
    ...dispenses("m1", "s1", "syringe-kit", range(0, 10), 2),
    ...dispenses("m1", "s2", "naloxone-nasal", [1, 3, 5, 7, 9]),
    // m2 vends from s1 until it is empty on day 5, then from s2.
    ...dispenses("m2", "s1", "syringe-kit", range(0, 5)),
    ...dispenses("m2", "s2", "syringe-kit", range(5, 10)),
    { machineId: "m9", slotId: "s1", itemId: "syringe-kit", at: noonOf(2), quantity: 1 },
  ],
  availability: [
    {
      machineId: "m2",
      slotId: "s1",
      availability: { kind: "levels", levelAtStart: 5, changes: [{ at: noonOf(4), level: 0 }] },
    },
    { machineId: "m2", slotId: "s2", availability: { kind: "levels", levelAtStart: 9, changes: [] } },
    // m2's naloxone slot was empty all window.
    { machineId: "m2", slotId: "s3", availability: { kind: "levels", levelAtStart: 0, changes: [] } },
  ],
};

describe("demandBySlot", () => {
  it("given a machine with two slots of one item, when one empties, then the item was still available: no stockout, demand split by capacity", () => {
    const r = demandBySlot(base);
    const pool = r.pools.find((p) => p.machineId === "m2" && p.itemId === "syringe-kit")!;
    expect(pool.slotIds).toEqual(["s1", "s2"]);
    expect(pool.estimate).toMatchObject({ source: "observed", consumed: 10, days: 10, stockoutDays: 0 });
    expect(pool.estimate.averageDaily).toBe(1);
    const s1 = r.slots.find((s) => s.machineId === "m2" && s.slotId === "s1")!;
    const s2 = r.slots.find((s) => s.machineId === "m2" && s.slotId === "s2")!;
    expect([s1.share, s1.averageDaily]).toEqual([0.4, 0.4]);
    expect([s2.share, s2.averageDaily]).toEqual([0.6, 0.6]);
    // Per slot, OpenLMIS would read s1 as 5 units in 5.5 days (≈ 0.9/day) on top of s2's 0.5: 40 % too much.
  });

  it("given a slot with one item per machine, then pool and slot are the same", () => {
    const r = demandBySlot(base);
    const m1 = r.slots.find((s) => s.machineId === "m1" && s.slotId === "s1")!;
    expect(m1).toMatchObject({ share: 1, source: "observed", averageDaily: 2 });
    expect(r.window).toMatchObject({ from: "2026-03-21", days: 10 });
  });

  it("given a slot never in stock, when demand is estimated, then it falls back to the same item elsewhere in the prison", () => {
    const r = demandBySlot(base);
    const pool = r.pools.find((p) => p.machineId === "m2" && p.itemId === "naloxone-nasal")!;
    expect(pool.estimate).toMatchObject({ source: "same_item", stockoutDays: 10, adjustedConsumption: null });
    expect(pool.estimate.averageDaily).toBe(0.5);
    expect(r.slots.find((s) => s.machineId === "m2" && s.slotId === "s3")).toMatchObject({
      source: "same_item",
      averageDaily: 0.5,
    });
  });

  it("given no other machine with the item observed, then the prison average of all observed pools stands in", () => {
    const r = demandBySlot({
      ...base,
      availability: [
        ...base.availability,
        {
          machineId: "m1",
          slotId: "s2",
          availability: { kind: "intervals", stockouts: [{ from: 0, to: at("2027-01-01T00:00:00Z") }] },
        },
      ],
    });
    const nal = r.pools.filter((p) => p.itemId === "naloxone-nasal");
    // Observed pools: m1 syringe (2/day) and m2 syringe (1/day).
    for (const p of nal) expect(p.estimate).toMatchObject({ source: "prison_average", averageDaily: 1.5 });
  });

  it("given a machine down for two days, then those days count as stockout for all its items", () => {
    const r = demandBySlot({
      ...base,
      machineDowntime: [{ machineId: "m1", intervals: [{ from: start + 8 * DAY, to: start + 12 * DAY }] }],
    });
    const pool = r.pools.find((p) => p.machineId === "m1" && p.itemId === "syringe-kit")!;
    // 20 units (the simulated dispenses on days 8 and 9 would not exist; kept here to show the arithmetic) over 8 in-stock days.
    expect(pool.estimate).toMatchObject({ stockoutDays: 2, adjustedConsumption: 25 });
  });

  it("given dispenses of a machine not in reference data, then they are counted, not used", () => {
    expect(demandBySlot(base).unmatchedDispenses).toBe(1);
  });

  it("given the result, then it survives a JSON round trip unchanged", () => {
    const r = demandBySlot(base);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
