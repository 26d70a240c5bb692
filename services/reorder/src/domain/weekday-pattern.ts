import type { DayConsumption } from "./daily-consumption";

/** Multiplicative demand factors per weekday, Monday first; their mean is 1. */
export type WeekdayFactors = number[];

/** Prior strength of the weekday pattern, in expected units: 1/τ² with τ = 0.2 (see weekdayPattern). */
export const DEFAULT_WEEKDAY_PRIOR_UNITS = 25;

export const FLAT_WEEK: readonly number[] = Object.freeze([1, 1, 1, 1, 1, 1, 1]);

/**
 * Weekday pattern of demand (docs/domain.md: "weekday pattern allowed"), shrunk toward a flat week
 * when data are thin.
 *
 * Each weekday's rate is its consumption over its in-stock days (stockout-adjusted like
 * OpenLMIS N), and its raw factor that rate over the overall rate. A raw factor estimated from E
 * expected units has a relative standard error of about 1/√E (Poisson counts); with a prior that
 * true factors spread around 1 with sd τ, the posterior weight of the data is
 * τ² / (τ² + 1/E) = E / (E + 1/τ²). So factor = 1 + w·(raw − 1) with w = E / (E + priorUnits):
 * 4 weeks of 2.5 units a day (E = 10 per weekday) keep 29 % of the raw swing, a year keeps 84 %.
 * Factors are then rescaled to a mean of 1, so a week's forecast is 7 × average daily demand.
 */
export function weekdayPattern(
  days: readonly DayConsumption[],
  priorUnits: number = DEFAULT_WEEKDAY_PRIOR_UNITS,
): WeekdayFactors {
  const consumed = new Array<number>(7).fill(0);
  const observed = new Array<number>(7).fill(0);
  for (const d of days) {
    consumed[d.weekday]! += d.consumed;
    observed[d.weekday]! += 1 - d.stockoutDays;
  }
  const totalObserved = observed.reduce((a, b) => a + b, 0);
  const rate = totalObserved > 0 ? consumed.reduce((a, b) => a + b, 0) / totalObserved : 0;
  if (!(rate > 0)) return [...FLAT_WEEK];
  const shrunk = consumed.map((c, w) => {
    const o = observed[w]!;
    if (o <= 0) return 1;
    const raw = c / o / rate;
    const expected = rate * o;
    const weight = expected / (expected + priorUnits);
    return 1 + weight * (raw - 1);
  });
  const mean = shrunk.reduce((a, b) => a + b, 0) / 7;
  return shrunk.map((f) => f / mean);
}
