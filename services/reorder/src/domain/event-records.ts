import type { EventOf } from "@hrvend/schemas";
import type { DispenseRecord } from "./daily-consumption";
import type { SlotSpec } from "./demand-by-slot";
import type { LevelReading } from "./stockout-intervals";

/** Events that set a slot's level (each carries `stockAfter`). */
export type StockEvent = EventOf<"dispense"> | EventOf<"restock"> | EventOf<"stock_adjustment">;

/** A parsed `dispense` event as demand input; the machine's clock carries its offset, so the instant is exact. */
export function dispenseRecord(e: EventOf<"dispense">): DispenseRecord {
  return {
    machineId: e.machineId,
    slotId: e.slotId,
    itemId: e.itemId,
    at: Date.parse(e.deviceTime),
    quantity: e.quantity,
  };
}

/** The level a stock event leaves the slot at. */
export function levelReading(e: StockEvent): LevelReading & { machineId: string; slotId: string } {
  return {
    machineId: e.machineId,
    slotId: e.slotId,
    at: Date.parse(e.deviceTime),
    level: e.stockAfter,
    seq: e.seq,
  };
}

/** A `ref_machine` event's slots (an inactive machine has none to plan for). */
export function slotSpecs(e: EventOf<"ref_machine">): SlotSpec[] {
  if (!e.active) return [];
  return e.slots.map((s) => ({
    machineId: e.machineId,
    slotId: s.slotId,
    itemId: s.itemId,
    capacity: s.capacity,
  }));
}
