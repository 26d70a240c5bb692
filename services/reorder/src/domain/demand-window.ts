import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import { InvalidParameterError } from "./errors";

/** The complete local days demand is measured over: `days` days from `from`, instants `[start, end)`. */
export interface DemandWindow {
  timeZone: string;
  from: LocalDate;
  days: number;
  start: number;
  end: number;
}

/**
 * The `days` complete local days before the local day of `now`. Today is left out: a part-day
 * would read as a slow day (its consumption is incomplete but it counts as a whole day in D).
 */
export function demandWindow(timeZone: string, now: number, days: number): DemandWindow {
  if (!Number.isInteger(days) || days < 1)
    throw new InvalidParameterError(`a demand window needs a whole number of days ≥ 1, got ${days}`, {
      days,
    });
  const calendar = LocalCalendar.for(timeZone);
  const today = calendar.dateOf(now);
  const from = LocalCalendar.addDays(today, -days);
  return { timeZone, from, days, start: calendar.startOfDay(from), end: calendar.startOfDay(today) };
}
