import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { dispenseRecord, levelReading, slotSpecs } from "./event-records";

describe("eventRecords", () => {
  it("given a dispense event, then the record has the exact instant of the machine's clock", () => {
    expect(dispenseRecord(EXAMPLES.dispense)).toEqual({
      machineId: "md-branesti-m1",
      slotId: "s1",
      itemId: "syringe-kit",
      at: Date.parse("2025-03-14T07:12:05Z"),
      quantity: 1,
    });
  });

  it("given stock events, then each gives the level it leaves and its seq", () => {
    expect(levelReading(EXAMPLES.restock)).toEqual({
      machineId: "md-branesti-m1",
      slotId: "s2",
      at: Date.parse("2025-03-14T09:30:00Z"),
      level: 34,
      seq: 1044,
    });
    expect(levelReading(EXAMPLES.stock_adjustment).level).toBe(31);
    expect(levelReading(EXAMPLES.dispense).level).toBe(87);
  });

  it("given a machine in reference data, then its slots; given an inactive one, then none", () => {
    expect(slotSpecs(EXAMPLES.ref_machine)).toEqual([
      { machineId: "md-branesti-m1", slotId: "s1", itemId: "syringe-kit", capacity: 120 },
      { machineId: "md-branesti-m1", slotId: "s2", itemId: "naloxone-nasal", capacity: 40 },
    ]);
    expect(slotSpecs({ ...EXAMPLES.ref_machine, active: false })).toEqual([]);
  });
});
