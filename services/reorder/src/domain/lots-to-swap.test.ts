import { describe, expect, it } from "vitest";
import { lotsToSwap } from "./lots-to-swap";

const lots = [
  { lotId: "LATE", expiry: "2027-01-01", quantity: 5 },
  { lotId: "B", expiry: "2026-04-20", quantity: 2 },
  { lotId: "A", expiry: "2026-04-05", quantity: 3 },
];

describe("lotsToSwap", () => {
  it("given 10 units now and 8 expected at the visit, then the 2 dispensed come from the earliest lot", () => {
    expect(lotsToSwap(lots, 8, "2026-04-20")).toEqual([
      { lotId: "A", expiry: "2026-04-05", quantityNow: 3, quantityAtVisit: 1 },
      { lotId: "B", expiry: "2026-04-20", quantityNow: 2, quantityAtVisit: 2 },
    ]);
  });

  it("given a lot expiring the day after the visit after next, then it stays in", () => {
    expect(lotsToSwap(lots, 10, "2026-04-19").map((l) => l.lotId)).toEqual(["A"]);
  });

  it("given a slot expected empty at the visit, then the expiring lots are listed with nothing left to swap", () => {
    expect(lotsToSwap(lots, 0, "2026-04-20").map((l) => l.quantityAtVisit)).toEqual([0, 0]);
  });

  it("given no lots, then nothing to swap", () => {
    expect(lotsToSwap([], 5, "2026-04-20")).toEqual([]);
  });
});
