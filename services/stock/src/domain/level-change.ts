import { type EventOf, eventKey, type MachineEvent } from "@hrvend/schemas";

/**
 * A slot's stock after one stock-changing event, as the machine counted it (`stockAfter`).
 * One per event, keyed by the event key, so writing it again changes nothing (upsert). The
 * fields mirror the ledger's `stock` fact.
 */
export interface LevelChange {
  key: string;
  machineId: string;
  prisonId: string;
  slotId: string;
  itemId: string;
  seq: number;
  deviceTime: string;
  level: number;
  delta: number;
  cause: "dispense" | "restock" | "adjustment";
  /** Why an adjustment was made (count, expired, damaged, other). */
  reason: EventOf<"stock_adjustment">["reason"] | null;
  /**
   * For a slot that tracks lots: when its units after this change will all have expired (they
   * count as unavailable from then: docs/domain.md); null otherwise. Set by processMachineEvent.
   */
  usableUntil: string | null;
}

/** The level change an event makes, or undefined for events that do not change stock. */
export function levelChangeOf(event: MachineEvent): LevelChange | undefined {
  switch (event.kind) {
    case "dispense":
      return change(event, -event.quantity, "dispense", null);
    case "restock":
      return change(event, event.quantity, "restock", null);
    case "stock_adjustment":
      return change(event, event.delta, "adjustment", event.reason);
    case "dispense_refused":
    case "heartbeat":
    case "fault":
    case "status":
      return undefined;
  }
}

function change(
  e: EventOf<"dispense" | "restock" | "stock_adjustment">,
  delta: number,
  cause: LevelChange["cause"],
  reason: LevelChange["reason"],
): LevelChange {
  return {
    key: eventKey(e),
    machineId: e.machineId,
    prisonId: e.prisonId,
    slotId: e.slotId,
    itemId: e.itemId,
    seq: e.seq,
    deviceTime: e.deviceTime,
    level: e.stockAfter,
    delta,
    cause,
    reason,
    usableUntil: null,
  };
}
