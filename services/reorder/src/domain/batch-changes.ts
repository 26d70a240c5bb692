import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import { eventKey, eventTime, type HrEvent } from "@hrvend/schemas";

/** A change of a naloxone lot's units in a slot; `expiry` is known from restocks only. */
export interface LotDelta {
  lotId: string;
  expiry: LocalDate | null;
  delta: number;
}

/** A dispense, restock or stock adjustment as the service stores it (one row per event key). */
export interface StockRow {
  key: string;
  prisonId: string;
  machineId: string;
  slotId: string;
  itemId: string;
  kind: "dispense" | "restock" | "stock_adjustment";
  /** The machine's clock, as sent (with its offset). */
  deviceTime: string;
  seq: number;
  /** Level after the change (`stockAfter`). */
  level: number;
  /** Units added (negative: taken out). */
  delta: number;
  lots: LotDelta[];
}

export interface PrisonRef {
  prisonId: string;
  name: string;
  timeZone: string;
  capacity: number;
  /** The registry source that sent it: seqs order one source's events only. */
  source: string;
  seq: number;
}

export interface MachineRef {
  prisonId: string;
  machineId: string;
  location: string;
  active: boolean;
  /** The registry source that sent it: seqs order one source's events only. */
  source: string;
  seq: number;
  slots: { slotId: string; itemId: string; capacity: number }[];
}

/** What a batch of events changes in the service's tables. */
export interface BatchChanges {
  /** Latest event time (epoch ms) per prison in the batch: plans are computed "as of" it. */
  lastEventAt: Map<string, number>;
  /**
   * Newest reference data per prison / machine and source in the batch (highest seq of that
   * source), in the order each first appears: the store lets only the source that owns a row
   * change it, so seqs are never compared across sources.
   */
  prisons: PrisonRef[];
  machines: MachineRef[];
  /** Stock events, first occurrence of each event key. */
  stock: StockRow[];
}

/**
 * What reorder takes from an event it does not otherwise use (a heartbeat): its prison and time,
 * which move the prison's latest event time (the plans' "now").
 */
export interface ClockTick {
  prisonId: string;
  time: string;
}

/**
 * Sorts a batch into what the service stores. Pure: the store applies it idempotently (stock rows
 * by event key, reference data by its owning source's seq), so redelivered events change nothing.
 */
export function batchChanges(events: readonly HrEvent[], clock: readonly ClockTick[] = []): BatchChanges {
  const lastEventAt = new Map<string, number>();
  for (const c of clock) {
    const t = Date.parse(c.time);
    if (Number.isFinite(t) && t > (lastEventAt.get(c.prisonId) ?? Number.NEGATIVE_INFINITY))
      lastEventAt.set(c.prisonId, t);
  }
  const prisons = new Map<string, PrisonRef>();
  const machines = new Map<string, MachineRef>();
  const stock = new Map<string, StockRow>();
  for (const e of events) {
    // Items are programme-wide reference data (pseudo prison `programme`): nothing to plan there.
    if (e.kind === "ref_item") continue;
    const t = Date.parse(eventTime(e));
    if (Number.isFinite(t) && t > (lastEventAt.get(e.prisonId) ?? Number.NEGATIVE_INFINITY))
      lastEventAt.set(e.prisonId, t);
    switch (e.kind) {
      case "ref_prison": {
        const id = `${e.prisonId}\u0000${e.sourceId}`;
        const known = prisons.get(id);
        if (known === undefined || known.seq < e.seq)
          prisons.set(id, {
            prisonId: e.prisonId,
            name: e.name,
            timeZone: e.timeZone,
            capacity: e.capacity,
            source: e.sourceId,
            seq: e.seq,
          });
        break;
      }
      case "ref_machine": {
        const id = `${e.machineId}\u0000${e.sourceId}`;
        const known = machines.get(id);
        if (known === undefined || known.seq < e.seq)
          machines.set(id, {
            prisonId: e.prisonId,
            machineId: e.machineId,
            location: e.location,
            active: e.active,
            source: e.sourceId,
            seq: e.seq,
            slots: e.slots.map((s) => ({ slotId: s.slotId, itemId: s.itemId, capacity: s.capacity })),
          });
        break;
      }
      case "dispense":
      case "restock":
      case "stock_adjustment": {
        const key = eventKey(e);
        if (!stock.has(key)) stock.set(key, stockRow(key, e));
        break;
      }
      case "dispense_refused":
      case "heartbeat":
      case "fault":
      case "status":
      case "census":
      case "oat":
      case "alert_ack":
        break;
      default: {
        const never: never = e;
        throw new Error(`unhandled event kind ${(never as HrEvent).kind}`);
      }
    }
  }
  return {
    lastEventAt,
    prisons: [...prisons.values()],
    machines: [...machines.values()],
    stock: [...stock.values()],
  };
}

function stockRow(
  key: string,
  e: Extract<HrEvent, { kind: "dispense" | "restock" | "stock_adjustment" }>,
): StockRow {
  const base = {
    key,
    prisonId: e.prisonId,
    machineId: e.machineId,
    slotId: e.slotId,
    itemId: e.itemId,
    deviceTime: e.deviceTime,
    seq: e.seq,
    level: e.stockAfter,
  };
  switch (e.kind) {
    case "dispense":
      return {
        ...base,
        kind: e.kind,
        delta: -e.quantity,
        lots: e.lotId === undefined ? [] : [{ lotId: e.lotId, expiry: null, delta: -e.quantity }],
      };
    case "restock":
      return {
        ...base,
        kind: e.kind,
        delta: e.quantity,
        lots: (e.lots ?? []).map((l) => ({ lotId: l.lotId, expiry: l.expiry, delta: l.quantity })),
      };
    case "stock_adjustment":
      return {
        ...base,
        kind: e.kind,
        delta: e.delta,
        lots: e.lotId === undefined ? [] : [{ lotId: e.lotId, expiry: null, delta: e.delta }],
      };
  }
}

/** Units dispensed by one machine of one item on one local day. */
export interface DispenseDay {
  machineId: string;
  itemId: string;
  date: LocalDate;
  quantity: number;
  dispenses: number;
}

/** Dispenses summed per machine, item and local day of the prison's time zone. */
export function dispenseDays(
  timeZone: string,
  dispenses: readonly { machineId: string; itemId: string; at: number; quantity: number }[],
): DispenseDay[] {
  const calendar = LocalCalendar.for(timeZone);
  const days = new Map<string, DispenseDay>();
  for (const d of dispenses) {
    const date = calendar.dateOf(d.at);
    const key = `${d.machineId}\u0000${d.itemId}\u0000${date}`;
    const day = days.get(key) ?? {
      machineId: d.machineId,
      itemId: d.itemId,
      date,
      quantity: 0,
      dispenses: 0,
    };
    day.quantity += d.quantity;
    day.dispenses += 1;
    days.set(key, day);
  }
  return [...days.values()];
}

/** Lot deltas summed per slot and lot (expiry from whichever row carries one). */
export function lotDeltas(
  rows: readonly StockRow[],
): { prisonId: string; machineId: string; slotId: string; itemId: string; lot: LotDelta }[] {
  const out = new Map<
    string,
    { prisonId: string; machineId: string; slotId: string; itemId: string; lot: LotDelta }
  >();
  for (const r of rows)
    for (const l of r.lots) {
      const key = `${r.machineId}\u0000${r.slotId}\u0000${l.lotId}`;
      const known = out.get(key);
      if (known === undefined)
        out.set(key, {
          prisonId: r.prisonId,
          machineId: r.machineId,
          slotId: r.slotId,
          itemId: r.itemId,
          lot: { ...l },
        });
      else {
        known.lot.delta += l.delta;
        known.lot.expiry ??= l.expiry;
      }
    }
  return [...out.values()];
}
