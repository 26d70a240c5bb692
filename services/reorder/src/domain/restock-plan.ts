import { LocalCalendar } from "@hrvend/runtime/time";
import { daysOfCover } from "./days-of-cover";
import type { DemandForecast } from "./demand-forecast";
import { InvalidParameterError } from "./errors";
import { type LotStock, type LotSwap, lotsToSwap } from "./lots-to-swap";
import { DEFAULT_Z, maxMin } from "./max-min";
import { projectStock } from "./project-stock";
import { FLAT_WEEK } from "./weekday-pattern";

export interface PlanSlotInput {
  slotId: string;
  itemId: string;
  capacity: number;
  /** Stock at `now`. */
  stock: number;
  /** Lots in the slot now (naloxone); left out for items without lots. */
  lots?: readonly LotStock[];
  /** The slot's demand (demandBySlot's `slots`). */
  demand: DemandForecast;
}

export interface PlanMachineInput {
  machineId: string;
  location?: string;
  /** In the machine's slot order (it vends an item from its first stocked slot). */
  slots: readonly PlanSlotInput[];
}

export interface RestockPlanInput {
  prisonId: string;
  timeZone: string;
  now: number;
  /** The visit to plan (see nextVisit / visitOn). */
  visitAt: number;
  /** The visit after it; default: `reviewIntervalDays` local days after `visitAt`, same local time. */
  followingVisitAt?: number;
  leadTimeDays: number;
  reviewIntervalDays: number;
  z?: number;
  /** What a visit fills each slot to (see FillTo); default `capacity`. */
  fillTo?: FillTo;
  machines: readonly PlanMachineInput[];
}

/**
 * `max`: quantity = Max − projected stock (docs/domain.md §Max-min as written). `capacity`: the team
 * brings capacity − projected + the lead-time safety stock z·σ·√L, loads up to capacity and takes
 * the rest back. A visit costs the same whatever it carries and a unit in the machine serves
 * someone a unit in the warehouse cannot, so by default slots are filled up; Max (and Min) still
 * size what a slot needs: cover, projected stockouts, low-stock alerts. Both are measured in
 * `npm run bench` (reorder section): `max` leaves slots of ample capacity short where the fixed
 * policy keeps them full.
 */
export type FillTo = "max" | "capacity";
export const DEFAULT_FILL_TO: FillTo = "capacity";

export interface PlannedSlot {
  slotId: string;
  itemId: string;
  capacity: number;
  stockNow: number;
  averageDaily: number;
  sigmaDaily: number;
  /** stock / average daily demand; null without demand. */
  daysOfCover: number | null;
  /** When this slot is expected to be empty, if before the visit after next. */
  projectedStockoutAt: number | null;
  /** Whole units expected at the visit (rounded down). */
  projectedAtVisit: number;
  safetyStock: number;
  min: number;
  max: number;
  /**
   * Units to bring for the slot: `max`: Max − projected stock at the visit, 0 ≤ quantity ≤
   * capacity − projected; `capacity`: capacity − projected + ⌈safety stock⌉ (what does not fit
   * goes back).
   */
  quantity: number;
  lotsToSwap: LotSwap[];
  /** Units of swapped lots expected at the visit; the team brings as many again to replace them. */
  swapUnits: number;
  /** quantity + swapUnits: what to load for this slot. */
  loadUnits: number;
}

export interface PlannedMachine {
  /** 1 = visit first. */
  priority: number;
  machineId: string;
  location: string | null;
  /** When the first item is expected to become unavailable at the machine (all its slots empty). */
  projectedStockoutAt: number | null;
  stockoutItemId: string | null;
  /** Lowest days of cover over the machine's items. */
  daysOfCover: number | null;
  loadUnits: number;
  slots: PlannedSlot[];
}

export interface PickLine {
  itemId: string;
  /** Σ restock quantities. */
  restockUnits: number;
  /** Σ units of swapped lots, brought again to replace them. */
  replacementUnits: number;
  totalUnits: number;
  /** Lots coming back from the machines (expected units). */
  lotsToReturn: { lotId: string; expiry: string; units: number }[];
}

/** A restock plan for one prison and visit; plain data (instants in epoch ms, no undefined, no Infinity). */
export interface RestockPlan {
  prisonId: string;
  timeZone: string;
  generatedAt: number;
  visitAt: number;
  followingVisitAt: number;
  leadTimeDays: number;
  reviewIntervalDays: number;
  z: number;
  fillTo: FillTo;
  machines: PlannedMachine[];
  pickList: PickLine[];
}

const EPS = 1e-9;

/**
 * The restock plan for a prison's visit (docs/domain.md, "A restock plan lists per prison and visit:
 * machines in priority order (projected stockout first), per-slot quantities, naloxone lots to
 * swap before expiry, and a total pick list").
 *
 * Per slot: stock projected at the visit from the weekday-aware forecast, MSH max-min levels, and
 * restock quantity = Max − projected stock (docs/domain.md). A machine's slots of one item are
 * projected together, emptied in slot order as the machine vends them.
 *
 * Machines in order of projected stockout (an item no longer available), earliest first, looking
 * as far as the visit after next: beyond it, this visit's load decides nothing. Machines with no
 * stockout in that horizon follow, lowest days of cover first; then by machine id.
 */
export function restockPlan(input: RestockPlanInput): RestockPlan {
  const { timeZone, now, visitAt } = input;
  const calendar = LocalCalendar.for(timeZone);
  const z = input.z ?? DEFAULT_Z;
  const fillTo = input.fillTo ?? DEFAULT_FILL_TO;
  const followingVisitAt =
    input.followingVisitAt ?? calendar.plusLocalDays(visitAt, input.reviewIntervalDays);
  if (!(visitAt >= now) || !(followingVisitAt > visitAt))
    throw new InvalidParameterError("a restock plan needs now ≤ visitAt < followingVisitAt", {
      prisonId: input.prisonId,
      now,
      visitAt,
      followingVisitAt,
    });
  const swapOnOrBefore = calendar.dateOf(followingVisitAt);
  const params = { leadTimeDays: input.leadTimeDays, reviewIntervalDays: input.reviewIntervalDays, z };

  const machines = input.machines.map((m) => {
    const planned = new Map<string, PlannedSlot>();
    let stockout: { at: number; itemId: string } | null = null;
    let cover: number | null = null;
    for (const [itemId, slots] of poolsOf(m.slots)) {
      for (const s of slots)
        if (!(s.stock >= 0) || !(s.capacity >= 0))
          throw new InvalidParameterError("stock and capacity must be ≥ 0", {
            machineId: m.machineId,
            slotId: s.slotId,
            stock: s.stock,
            capacity: s.capacity,
          });
      const forecast = pooledForecast(slots.map((s) => s.demand));
      const poolStock = slots.reduce((n, s) => n + s.stock, 0);
      const project = (stock: number, until: number) =>
        projectStock({ timeZone, stock, forecast, from: now, until });
      const poolOut = project(poolStock, followingVisitAt).stockoutAt;
      if (poolOut !== null && (stockout === null || poolOut < stockout.at))
        stockout = { at: poolOut, itemId };
      const poolCover = daysOfCover(poolStock, forecast.averageDaily);
      if (poolCover !== null && (cover === null || poolCover < cover)) cover = poolCover;
      // Whole units at the visit, rounded down: a unit more to carry beats a slot left short.
      const poolAtVisit = Math.floor(project(poolStock, visitAt).stockAt + EPS);
      let toDispense = poolStock - poolAtVisit;
      let before = 0;
      for (const s of slots) {
        const dispensed = Math.min(s.stock, toDispense);
        toDispense -= dispensed;
        const atVisit = s.stock - dispensed;
        before += s.stock;
        const levels = maxMin(s.demand, s.capacity, params);
        const quantity =
          fillTo === "capacity"
            ? Math.max(0, s.capacity - atVisit + Math.ceil(levels.safetyStock - EPS))
            : Math.max(0, Math.min(levels.max - atVisit, s.capacity - atVisit));
        const swaps = lotsToSwap(s.lots ?? [], atVisit, swapOnOrBefore);
        const swapUnits = swaps.reduce((n, l) => n + l.quantityAtVisit, 0);
        planned.set(s.slotId, {
          slotId: s.slotId,
          itemId,
          capacity: s.capacity,
          stockNow: s.stock,
          averageDaily: s.demand.averageDaily,
          sigmaDaily: s.demand.sigmaDaily,
          daysOfCover: daysOfCover(s.stock, s.demand.averageDaily),
          projectedStockoutAt: s.stock > 0 ? project(before, followingVisitAt).stockoutAt : now,
          projectedAtVisit: atVisit,
          safetyStock: levels.safetyStock,
          min: levels.min,
          max: levels.max,
          quantity,
          lotsToSwap: swaps,
          swapUnits,
          loadUnits: quantity + swapUnits,
        });
      }
    }
    const slots = m.slots.map((s) => planned.get(s.slotId)).filter((s) => s !== undefined);
    return {
      priority: 0,
      machineId: m.machineId,
      location: m.location ?? null,
      projectedStockoutAt: stockout?.at ?? null,
      stockoutItemId: stockout?.itemId ?? null,
      daysOfCover: cover,
      loadUnits: slots.reduce((n, s) => n + s.loadUnits, 0),
      slots,
    } satisfies PlannedMachine;
  });

  machines.sort(byPriority);
  machines.forEach((m, i) => {
    m.priority = i + 1;
  });
  return {
    prisonId: input.prisonId,
    timeZone,
    generatedAt: now,
    visitAt,
    followingVisitAt,
    leadTimeDays: input.leadTimeDays,
    reviewIntervalDays: input.reviewIntervalDays,
    z,
    fillTo,
    machines,
    pickList: pickList(machines),
  };
}

/** The machine's slots by item, each item's in slot order. */
function poolsOf(slots: readonly PlanSlotInput[]): Map<string, PlanSlotInput[]> {
  const pools = new Map<string, PlanSlotInput[]>();
  for (const s of slots) pools.set(s.itemId, [...(pools.get(s.itemId) ?? []), s]);
  return pools;
}

/** Demand of slots vending one item together: demands add up, weekday factors weighted by demand. */
function pooledForecast(demands: readonly DemandForecast[]): DemandForecast {
  const averageDaily = demands.reduce((n, d) => n + d.averageDaily, 0);
  const weekdayFactors =
    averageDaily > 0
      ? [0, 1, 2, 3, 4, 5, 6].map(
          (w) => demands.reduce((n, d) => n + d.averageDaily * (d.weekdayFactors[w] ?? 1), 0) / averageDaily,
        )
      : [...FLAT_WEEK];
  // The slots share one stream of people, so their deviations move together: σs add up.
  return { averageDaily, weekdayFactors, sigmaDaily: demands.reduce((n, d) => n + d.sigmaDaily, 0) };
}

function byPriority(a: PlannedMachine, b: PlannedMachine): number {
  const sa = a.projectedStockoutAt;
  const sb = b.projectedStockoutAt;
  if (sa !== null && sb !== null && sa !== sb) return sa - sb;
  if (sa !== null && sb === null) return -1;
  if (sa === null && sb !== null) return 1;
  const ca = a.daysOfCover ?? Number.POSITIVE_INFINITY;
  const cb = b.daysOfCover ?? Number.POSITIVE_INFINITY;
  if (ca !== cb) return ca - cb;
  return a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0;
}

function pickList(machines: readonly PlannedMachine[]): PickLine[] {
  const lines = new Map<string, PickLine>();
  for (const m of machines) {
    for (const s of m.slots) {
      const line = lines.get(s.itemId) ?? {
        itemId: s.itemId,
        restockUnits: 0,
        replacementUnits: 0,
        totalUnits: 0,
        lotsToReturn: [],
      };
      line.restockUnits += s.quantity;
      line.replacementUnits += s.swapUnits;
      line.totalUnits += s.loadUnits;
      for (const l of s.lotsToSwap) {
        if (l.quantityAtVisit <= 0) continue;
        const lot = line.lotsToReturn.find((r) => r.lotId === l.lotId);
        if (lot) lot.units += l.quantityAtVisit;
        else line.lotsToReturn.push({ lotId: l.lotId, expiry: l.expiry, units: l.quantityAtVisit });
      }
      lines.set(s.itemId, line);
    }
  }
  for (const line of lines.values())
    line.lotsToReturn.sort((a, b) =>
      a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : a.lotId < b.lotId ? -1 : 1,
    );
  return [...lines.values()].sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}
