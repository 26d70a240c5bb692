import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import type { DemandWindow } from "./demand-window";
import { type Interval, mergeIntervals, overlapMs } from "./interval";

/** One dispense as demand sees it (from a `dispense` event: `deviceTime` parsed to epoch ms). */
export interface DispenseRecord {
  machineId: string;
  slotId: string;
  itemId: string;
  at: number;
  quantity: number;
}

/** Consumption of one local day. */
export interface DayConsumption {
  date: LocalDate;
  /** Monday = 0 … Sunday = 6. */
  weekday: number;
  /** Units dispensed (C for the day). */
  consumed: number;
  /** Share of the day (0–1) the slot could not vend: X for the day, in days. */
  stockoutDays: number;
}

export interface DailyConsumptionInput {
  window: DemandWindow;
  /** Dispenses of the slot (or of the slots pooled together); those outside the window are ignored. */
  dispenses: readonly Pick<DispenseRecord, "at" | "quantity">[];
  /** When the slot was at 0 (or otherwise unable to vend). */
  stockouts: readonly Interval[];
}

/**
 * Consumption per local calendar day of the prison's time zone, with the share of each day spent
 * in stockout. A day is as long as it really is locally (23 h or 25 h on DST days), so a slot
 * empty all of a 23-hour day has X = 1 for it.
 */
export function dailyConsumption({ window, dispenses, stockouts }: DailyConsumptionInput): DayConsumption[] {
  const calendar = LocalCalendar.for(window.timeZone);
  const merged = mergeIntervals(stockouts);
  const days: DayConsumption[] = [];
  let date = window.from;
  let start = calendar.startOfDay(date);
  for (let i = 0; i < window.days; i++) {
    const nextDate = LocalCalendar.addDays(date, 1);
    const end = calendar.startOfDay(nextDate);
    days.push({
      date,
      weekday: LocalCalendar.weekday(date),
      consumed: 0,
      stockoutDays: Math.min(1, overlapMs(merged, { from: start, to: end }) / (end - start)),
    });
    date = nextDate;
    start = end;
  }
  for (const d of dispenses) {
    if (d.at < window.start || d.at >= window.end) continue;
    const day = days[LocalCalendar.daysBetween(window.from, calendar.dateOf(d.at))];
    if (day !== undefined) day.consumed += d.quantity;
  }
  return days;
}
