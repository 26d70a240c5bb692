import { LocalCalendar } from "@hrvend/runtime/time";
import { type DemandForecast, dailyForecast } from "./demand-forecast";
import { InvalidParameterError } from "./errors";

export interface ProjectStockInput {
  timeZone: string;
  /** Stock at `from`. */
  stock: number;
  forecast: Pick<DemandForecast, "averageDaily" | "weekdayFactors">;
  from: number;
  until: number;
}

export interface StockProjection {
  /** Expected stock at `until` (not rounded; never below 0). */
  stockAt: number;
  /** Expected units dispensed between `from` and `until` (at most `stock`). */
  consumed: number;
  /** When the stock is expected to reach 0, if before `until`; `from` if it is already 0. */
  stockoutAt: number | null;
}

const MAX_HORIZON_DAYS = 3660;

/**
 * Walks the weekday-aware forecast day by day from `from` (docs/domain.md §Days of cover;
 * projected stockout). Each local day's forecast is spread evenly over that day's real length
 * (23–25 h), so a part-day counts in proportion, and the stockout instant is interpolated inside
 * the day the stock runs out.
 */
export function projectStock({ timeZone, stock, forecast, from, until }: ProjectStockInput): StockProjection {
  if (!(until >= from) || until - from > MAX_HORIZON_DAYS * 86_400_000)
    throw new InvalidParameterError("a stock projection needs from ≤ until, at most 10 years apart", {
      from,
      until,
    });
  const calendar = LocalCalendar.for(timeZone);
  let remaining = Math.max(0, stock);
  if (remaining === 0) return { stockAt: 0, consumed: 0, stockoutAt: from };
  let t = from;
  let date = calendar.dateOf(t);
  while (t < until) {
    const dayStart = calendar.startOfDay(date);
    const nextDate = LocalCalendar.addDays(date, 1);
    const dayEnd = calendar.startOfDay(nextDate);
    const segmentEnd = Math.min(dayEnd, until);
    const rate = dailyForecast(forecast, date) / (dayEnd - dayStart);
    const need = rate * (segmentEnd - t);
    if (rate > 0 && need >= remaining) {
      const stockoutAt = t + remaining / rate;
      return {
        stockAt: 0,
        consumed: Math.max(0, stock),
        stockoutAt: Math.round(Math.min(stockoutAt, segmentEnd)),
      };
    }
    remaining -= need;
    t = segmentEnd;
    date = nextDate;
  }
  return { stockAt: remaining, consumed: Math.max(0, stock) - remaining, stockoutAt: null };
}
