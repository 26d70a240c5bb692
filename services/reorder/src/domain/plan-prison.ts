import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import type { DispenseRecord } from "./daily-consumption";
import { type DemandBySlot, demandBySlot, type SlotDemand, type SlotSpec } from "./demand-by-slot";
import type { LotStock } from "./lots-to-swap";
import { type OutreachSchedule, visitScheduleOf } from "./outreach-schedule";
import { type FillTo, type PlanMachineInput, type RestockPlan, restockPlan } from "./restock-plan";
import type { LevelReading } from "./stockout-intervals";
import { nextVisit, visitOn } from "./visit-schedule";

/** What the service's tables hold about one prison, as of its latest event. */
export interface PrisonSnapshot {
  prisonId: string;
  timeZone: string;
  /** Latest event time seen for the prison (epoch ms): the plan's "now". */
  asOf: number;
  /** Active machines, each with its slots in slot order. */
  machines: { machineId: string; location: string | null; slots: Omit<SlotSpec, "machineId">[] }[];
  /** Units dispensed per machine, item and local day (days outside the window are ignored). */
  dispenseDays: { machineId: string; itemId: string; date: LocalDate; quantity: number }[];
  /** Per slot: the level when the window starts and the changes inside it. */
  levels: { machineId: string; slotId: string; levelAtStart: number; changes: LevelReading[] }[];
  /** Per slot: the level after its latest event (by the machine's seq); 0 when it has none. */
  stock: { machineId: string; slotId: string; level: number }[];
  /** Naloxone lots per slot with their summed units (any sign) and expiry when known. */
  lots: { machineId: string; slotId: string; lotId: string; expiry: LocalDate | null; quantity: number }[];
}

export interface PlanningParams {
  schedule: OutreachSchedule;
  windowDays: number;
  z: number;
  /** What visits fill slots to; default the domain's DEFAULT_FILL_TO. */
  fillTo?: FillTo;
}

/** A slot's demand, levels and outlook as the service stores it (`reorder.slot_parameters`). */
export interface SlotParameters {
  machineId: string;
  slotId: string;
  itemId: string;
  capacity: number;
  stock: number;
  lots: LotStock[];
  source: SlotDemand["source"];
  averageDaily: number;
  sigmaDaily: number;
  weekdayFactors: number[];
  safetyStock: number;
  min: number;
  max: number;
  daysOfCover: number | null;
  projectedStockoutAt: number | null;
}

export interface PrisonPlanning {
  demand: DemandBySlot;
  plan: RestockPlan;
  slots: SlotParameters[];
}

/**
 * Demand, max-min and the restock plan for the prison's next visit, from its snapshot alone (no
 * clock: "now" is the latest event time, so a rebuild from the stream gives the same plan).
 */
export function planPrison(s: PrisonSnapshot, p: PlanningParams): PrisonPlanning {
  const specs: SlotSpec[] = s.machines.flatMap((m) => m.slots.map((x) => ({ ...x, machineId: m.machineId })));
  const demand = demandBySlot({
    prisonId: s.prisonId,
    timeZone: s.timeZone,
    now: s.asOf,
    windowDays: p.windowDays,
    slots: specs,
    dispenses: dispenseRecords(s.timeZone, specs, s.dispenseDays),
    availability: s.levels.map((l) => ({
      machineId: l.machineId,
      slotId: l.slotId,
      availability: { kind: "levels", levelAtStart: l.levelAtStart, changes: l.changes },
    })),
    options: {},
  });
  const demandOf = new Map(demand.slots.map((d) => [slotKey(d), d]));
  const stockOf = new Map(s.stock.map((x) => [slotKey(x), x.level]));
  const lotsOf = new Map<string, LotStock[]>();
  for (const l of s.lots) {
    if (l.expiry === null || l.quantity <= 0) continue;
    const key = slotKey(l);
    lotsOf.set(key, [...(lotsOf.get(key) ?? []), { lotId: l.lotId, expiry: l.expiry, quantity: l.quantity }]);
  }
  const machines: PlanMachineInput[] = s.machines.map((m) => ({
    machineId: m.machineId,
    ...(m.location === null ? {} : { location: m.location }),
    slots: m.slots.map((x) => {
      const key = slotKey({ machineId: m.machineId, slotId: x.slotId });
      const stock = stockOf.get(key) ?? 0;
      const d = demandOf.get(key)!;
      return {
        ...x,
        stock,
        lots: lotsInSlot(lotsOf.get(key) ?? [], stock),
        demand: { averageDaily: d.averageDaily, sigmaDaily: d.sigmaDaily, weekdayFactors: d.weekdayFactors },
      };
    }),
  }));
  const schedule = visitScheduleOf(p.schedule, s.timeZone);
  const visitAt = nextVisit(schedule, s.asOf);
  const plan = restockPlan({
    prisonId: s.prisonId,
    timeZone: s.timeZone,
    now: s.asOf,
    visitAt,
    followingVisitAt: nextVisit(schedule, visitAt + 1),
    leadTimeDays: p.schedule.leadTimeDays,
    reviewIntervalDays: p.schedule.intervalDays,
    z: p.z,
    ...(p.fillTo === undefined ? {} : { fillTo: p.fillTo }),
    machines,
  });
  const input = new Map(
    machines.flatMap((m) => m.slots.map((x) => [slotKey({ ...x, machineId: m.machineId }), x])),
  );
  const slots = plan.machines.flatMap((m) =>
    m.slots.map((x): SlotParameters => {
      const key = slotKey({ machineId: m.machineId, slotId: x.slotId });
      const d = demandOf.get(key)!;
      return {
        machineId: m.machineId,
        slotId: x.slotId,
        itemId: x.itemId,
        capacity: x.capacity,
        stock: x.stockNow,
        lots: [...(input.get(key)?.lots ?? [])],
        source: d.source,
        averageDaily: x.averageDaily,
        sigmaDaily: x.sigmaDaily,
        weekdayFactors: [...d.weekdayFactors],
        safetyStock: x.safetyStock,
        min: x.min,
        max: x.max,
        daysOfCover: x.daysOfCover,
        projectedStockoutAt: x.projectedStockoutAt,
      };
    }),
  );
  return { demand, plan, slots };
}

/**
 * The plan for another visit, from a stored plan and its slots' parameters: same inputs (stock,
 * lots and demand as of the stored plan), another visit. For a visit on the stored plan's own
 * date this gives the stored plan back.
 */
export function replanForVisit(
  stored: RestockPlan,
  slots: readonly Pick<SlotParameters, "machineId" | "slotId" | "lots" | "weekdayFactors">[],
  schedule: OutreachSchedule,
  date: LocalDate,
): RestockPlan {
  const visits = visitScheduleOf(schedule, stored.timeZone);
  const visitAt = visitOn(visits, date);
  const params = new Map(slots.map((x) => [slotKey(x), x]));
  return restockPlan({
    prisonId: stored.prisonId,
    timeZone: stored.timeZone,
    now: stored.generatedAt,
    visitAt,
    followingVisitAt: nextVisit(visits, visitAt + 1),
    leadTimeDays: stored.leadTimeDays,
    reviewIntervalDays: stored.reviewIntervalDays,
    z: stored.z,
    // Plans stored before fillTo existed were computed with Max − projected.
    fillTo: stored.fillTo ?? "max",
    machines: stored.machines
      .slice()
      .sort((a, b) => (a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0))
      .map((m) => ({
        machineId: m.machineId,
        ...(m.location === null ? {} : { location: m.location }),
        slots: m.slots.map((x) => {
          const sp = params.get(slotKey({ machineId: m.machineId, slotId: x.slotId }));
          return {
            slotId: x.slotId,
            itemId: x.itemId,
            capacity: x.capacity,
            stock: x.stockNow,
            lots: sp?.lots ?? [],
            demand: {
              averageDaily: x.averageDaily,
              sigmaDaily: x.sigmaDaily,
              weekdayFactors: sp?.weekdayFactors ?? [1, 1, 1, 1, 1, 1, 1],
            },
          };
        }),
      })),
  });
}

/**
 * A slot's lots as planning sees them: known expiry, units > 0, first-expiry-first-out, and no
 * more units than the slot holds (a count correction without a lot takes from the earliest,
 * which the machine would have vended first).
 */
export function lotsInSlot(lots: readonly LotStock[], stock: number): LotStock[] {
  const fefo = lots
    .filter((l) => l.quantity > 0)
    .sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : a.lotId < b.lotId ? -1 : 1));
  let excess = fefo.reduce((n, l) => n + l.quantity, 0) - Math.max(0, stock);
  const out: LotStock[] = [];
  for (const l of fefo) {
    const cut = Math.min(l.quantity, Math.max(0, excess));
    excess -= cut;
    if (l.quantity - cut > 0) out.push({ ...l, quantity: l.quantity - cut });
  }
  return out;
}

/**
 * The level a slot's window starts at: that of the last change at or before the window's start,
 * else the level before the first change inside it (its level minus its delta: a machine's first
 * restock starts from 0), else 0 (never stocked).
 */
export function levelAtStart(
  before: { level: number } | undefined,
  firstInside: { level: number; delta: number } | undefined,
): number {
  if (before !== undefined) return before.level;
  if (firstInside !== undefined) return Math.max(0, firstInside.level - firstInside.delta);
  return 0;
}

/**
 * Daily totals as dispense records for demandBySlot: one record per machine, item and day, at
 * local noon (inside the day whatever its length), in the machine's first slot of the item (the
 * pool's demand is what counts; the slot only names the pool).
 */
function dispenseRecords(
  timeZone: string,
  specs: readonly SlotSpec[],
  days: PrisonSnapshot["dispenseDays"],
): DispenseRecord[] {
  const calendar = LocalCalendar.for(timeZone);
  const firstSlot = new Map<string, string>();
  for (const s of specs) {
    const key = `${s.machineId}\u0000${s.itemId}`;
    if (!firstSlot.has(key)) firstSlot.set(key, s.slotId);
  }
  return days.map((d) => ({
    machineId: d.machineId,
    slotId: firstSlot.get(`${d.machineId}\u0000${d.itemId}`) ?? "",
    itemId: d.itemId,
    at: calendar.atLocalTime(d.date, 12),
    quantity: d.quantity,
  }));
}

function slotKey(s: { machineId: string; slotId: string }): string {
  return `${s.machineId}\u0000${s.slotId}`;
}
