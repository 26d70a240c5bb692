import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import type { WeekdayFactors } from "./weekday-pattern";

/** What planning needs to know about a slot's demand. */
export interface DemandForecast {
  /** Average daily demand (docs/domain.md: from adjusted consumption, recent window). */
  averageDaily: number;
  /** Multiplicative weekday factors, Monday first, mean 1. */
  weekdayFactors: WeekdayFactors;
  /** Standard deviation of daily demand. */
  sigmaDaily: number;
}

/** Forecast demand on local `date`: average daily demand × that weekday's factor. */
export function dailyForecast(
  forecast: Pick<DemandForecast, "averageDaily" | "weekdayFactors">,
  date: LocalDate,
): number {
  return forecast.averageDaily * (forecast.weekdayFactors[LocalCalendar.weekday(date)] ?? 1);
}
