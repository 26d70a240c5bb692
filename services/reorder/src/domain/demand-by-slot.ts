import { type DayConsumption, type DispenseRecord, dailyConsumption } from "./daily-consumption";
import { type DemandWindow, demandWindow } from "./demand-window";
import {
  type DemandEstimate,
  type DemandOptions,
  type DemandSource,
  estimateDemand,
} from "./estimate-demand";
import { type Interval, intersectIntervals, mergeIntervals } from "./interval";
import { type SlotAvailability, stockoutIntervals } from "./stockout-intervals";
import type { WeekdayFactors } from "./weekday-pattern";

/** A slot of a machine as reference data describes it (`ref_machine.slots`). */
export interface SlotSpec {
  machineId: string;
  slotId: string;
  itemId: string;
  capacity: number;
}

export interface DemandBySlotInput {
  prisonId: string;
  /** The prison's IANA time zone (`ref_prison.timeZone`): days are its local days. */
  timeZone: string;
  now: number;
  /** Complete local days before today to measure over (e.g. 28: four of each weekday). */
  windowDays: number;
  /** The prison's slots, each machine's in slot order. */
  slots: readonly SlotSpec[];
  /** Dispenses in (or around) the window; other prisons' and unknown slots' are counted, not used. */
  dispenses: readonly DispenseRecord[];
  /** When each slot was at 0. A slot left out is taken as never out of stock. */
  availability: readonly { machineId: string; slotId: string; availability: SlotAvailability }[];
  /** Times a whole machine could not vend (e.g. dark after a power cut outlasted its battery). */
  machineDowntime?: readonly { machineId: string; intervals: readonly Interval[] }[];
  options?: DemandOptions;
}

/** Demand of the slots of one machine that hold one item: the unit demand is measured in. */
export interface PooledDemand {
  machineId: string;
  itemId: string;
  slotIds: string[];
  /** Capacity of the pool's slots together. */
  capacity: number;
  daily: DayConsumption[];
  estimate: DemandEstimate;
}

/** A slot's share of its pool's demand: what max-min and the restock plan use. */
export interface SlotDemand {
  machineId: string;
  slotId: string;
  itemId: string;
  capacity: number;
  /** Slot capacity / pool capacity. */
  share: number;
  source: DemandSource;
  averageDaily: number;
  weekdayFactors: WeekdayFactors;
  sigmaDaily: number;
}

export interface DemandBySlot {
  prisonId: string;
  window: DemandWindow;
  pools: PooledDemand[];
  slots: SlotDemand[];
  /** Dispenses in the window for a slot not in `slots` (a machine not in reference data yet). */
  unmatchedDispenses: number;
}

/**
 * Demand per machine slot for one prison (docs/domain.md §Stock, availability, reorder).
 *
 * Pools: a machine vends an item from its first stocked slot holding it (the firmware does; see
 * devices/src/sim/simMachine.ts), so when a machine has two slots of one item, one slot's
 * emptiness moves its demand to the other and is no stockout for the people using the machine.
 * Demand is therefore measured per pool (machine × item): C = the pool's dispenses, X = the time
 * all its slots were empty (or the machine was down). A slot's demand is its capacity share of
 * the pool's, so its Max stays under its capacity whenever the pool's stays under the pool's.
 * With one slot per item (the usual machine) pool and slot are the same.
 *
 * Fallback when a pool has no observation (X ≥ D, or fewer than `minObservedDays` in stock):
 * 1. `same_item`: the mean over the prison's other machines of their observed demand for the
 *    item (same population, same item);
 * 2. `prison_average`: the mean over every observed pool of the prison, any item;
 * 3. `none`: zero demand (nothing in the prison was observed); planning then keeps only capacity
 *    in view.
 * Weekday factors and σ come from the same donors (mean of their factors, mean of their σ).
 */
export function demandBySlot(input: DemandBySlotInput): DemandBySlot {
  const window = demandWindow(input.timeZone, input.now, input.windowDays);
  const span = { from: window.start, to: window.end };
  const availability = new Map(input.availability.map((a) => [slotKey(a), a.availability]));
  const downtime = new Map<string, Interval[]>();
  for (const d of input.machineDowntime ?? [])
    downtime.set(d.machineId, [...(downtime.get(d.machineId) ?? []), ...d.intervals]);

  const pools = new Map<string, { machineId: string; itemId: string; slots: SlotSpec[] }>();
  for (const s of input.slots) {
    const key = `${s.machineId}\u0000${s.itemId}`;
    const pool = pools.get(key) ?? { machineId: s.machineId, itemId: s.itemId, slots: [] };
    pool.slots.push(s);
    pools.set(key, pool);
  }
  const poolOfSlot = new Map<string, string>();
  for (const [key, p] of pools) for (const s of p.slots) poolOfSlot.set(slotKey(s), key);
  const dispensesOfPool = new Map<string, { at: number; quantity: number }[]>();
  let unmatchedDispenses = 0;
  for (const d of input.dispenses) {
    if (d.at < window.start || d.at >= window.end) continue;
    const key = poolOfSlot.get(slotKey(d));
    if (key === undefined) {
      unmatchedDispenses++;
      continue;
    }
    const list = dispensesOfPool.get(key) ?? [];
    list.push(d);
    dispensesOfPool.set(key, list);
  }

  const measured: PooledDemand[] = [...pools.entries()].map(([key, p]) => {
    const slotOut = p.slots.map((s) => {
      const a = availability.get(slotKey(s));
      return a === undefined ? [] : stockoutIntervals(a, span);
    });
    const stockouts = mergeIntervals([
      ...intersectIntervals(slotOut),
      ...(downtime.get(p.machineId) ?? []).map((i) => ({
        from: Math.max(i.from, span.from),
        to: Math.min(i.to, span.to),
      })),
    ]);
    const daily = dailyConsumption({ window, dispenses: dispensesOfPool.get(key) ?? [], stockouts });
    return {
      machineId: p.machineId,
      itemId: p.itemId,
      slotIds: p.slots.map((s) => s.slotId),
      capacity: p.slots.reduce((n, s) => n + s.capacity, 0),
      daily,
      estimate: estimateDemand(daily, input.options),
    };
  });

  const observed = measured.filter((p) => p.estimate.source === "observed");
  const resolved = measured.map((p) => {
    if (p.estimate.source === "observed") return p;
    const sameItem = observed.filter((o) => o.itemId === p.itemId);
    const [donors, source]: [PooledDemand[], DemandSource] =
      sameItem.length > 0 ? [sameItem, "same_item"] : [observed, "prison_average"];
    if (donors.length === 0) return p;
    return { ...p, estimate: { ...p.estimate, source, ...meanForecast(donors.map((d) => d.estimate)) } };
  });

  const slots: SlotDemand[] = [];
  for (const p of resolved) {
    const poolSlots = pools.get(`${p.machineId}\u0000${p.itemId}`)?.slots ?? [];
    for (const s of poolSlots) {
      const share = p.capacity > 0 ? s.capacity / p.capacity : 0;
      slots.push({
        machineId: s.machineId,
        slotId: s.slotId,
        itemId: s.itemId,
        capacity: s.capacity,
        share,
        source: p.estimate.source,
        averageDaily: p.estimate.averageDaily * share,
        weekdayFactors: [...p.estimate.weekdayFactors],
        sigmaDaily: p.estimate.sigmaDaily * share,
      });
    }
  }
  return { prisonId: input.prisonId, window, pools: resolved, slots, unmatchedDispenses };
}

function slotKey(s: { machineId: string; slotId: string }): string {
  return `${s.machineId}\u0000${s.slotId}`;
}

function meanForecast(
  donors: readonly DemandEstimate[],
): Pick<DemandEstimate, "averageDaily" | "sigmaDaily" | "weekdayFactors"> {
  const n = donors.length;
  const factors = [0, 1, 2, 3, 4, 5, 6].map(
    (w) => donors.reduce((a, d) => a + (d.weekdayFactors[w] ?? 1), 0) / n,
  );
  const mean = factors.reduce((a, b) => a + b, 0) / 7;
  return {
    averageDaily: donors.reduce((a, d) => a + d.averageDaily, 0) / n,
    sigmaDaily: donors.reduce((a, d) => a + d.sigmaDaily, 0) / n,
    weekdayFactors: factors.map((f) => f / mean),
  };
}
