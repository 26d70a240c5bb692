import { describe, expect, it } from "vitest";
import { SlotStock, StockInvariantError } from "./slot-stock";

describe("SlotStock", () => {
  it("given lots with different expiry, when dispensing, then the first to expire leaves first", () => {
    const slot = new SlotStock("s2", "naloxone-nasal", 10, true);
    slot.load(3, [
      { lotId: "LATE", expiry: "2027-06-30", quantity: 2 },
      { lotId: "EARLY", expiry: "2026-09-30", quantity: 1 },
    ]);
    expect(slot.take()).toBe("EARLY");
    expect(slot.take()).toBe("LATE");
    expect(slot.level).toBe(1);
  });

  it("given an empty slot, when taking, then it refuses instead of going negative", () => {
    const slot = new SlotStock("s1", "syringe-kit", 5, false);
    expect(() => slot.take()).toThrow(StockInvariantError);
    expect(() => slot.adjust(-1)).toThrow(StockInvariantError);
    expect(slot.level).toBe(0);
  });

  it("given a full slot, when loading more, then it refuses", () => {
    const slot = new SlotStock("s1", "syringe-kit", 5, false);
    slot.load(5);
    expect(() => slot.load(1)).toThrow(/capacity/);
  });

  it("given an expired lot, when adjusting by lot, then only that lot is removed", () => {
    const slot = new SlotStock("s2", "naloxone-nasal", 10, true);
    slot.load(5, [
      { lotId: "A", expiry: "2026-02-01", quantity: 2 },
      { lotId: "B", expiry: "2027-02-01", quantity: 3 },
    ]);
    slot.adjust(-2, "A");
    expect(slot.lots).toEqual([{ lotId: "B", expiry: "2027-02-01", quantity: 3 }]);
    expect(slot.level).toBe(3);
  });
});
