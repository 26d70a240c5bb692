import { adjustedConsumption } from "./adjusted-consumption";
import type { DayConsumption } from "./daily-consumption";
import type { DemandForecast } from "./demand-forecast";
import { DEFAULT_WEEKDAY_PRIOR_UNITS, FLAT_WEEK, weekdayPattern } from "./weekday-pattern";

export interface DemandOptions {
  /**
   * A window with fewer in-stock days than this is "no observation" (default 1): the OpenLMIS
   * guard X ≥ D, widened so that a few in-stock hours are not scaled up into a month of demand.
   */
  minObservedDays?: number;
  /** Strength of the flat-week prior of the weekday pattern, in expected units (default 25 = 1/0.2²). */
  weekdayPriorUnits?: number;
  /** Days in stock for less than this share are left out of σ (their daily rate is too noisy). Default 0.5. */
  minDayObservedShare?: number;
}

/** Where a demand figure comes from: its own window, or a fallback when the window saw nothing. */
export type DemandSource = "observed" | "same_item" | "prison_average" | "none";

/** Demand of a slot (or a pool of slots) from a window of daily consumption; JSON-serialisable. */
export interface DemandEstimate extends DemandForecast {
  source: DemandSource;
  /** C, D, X of the window and OpenLMIS N (null without observation). */
  consumed: number;
  days: number;
  stockoutDays: number;
  adjustedConsumption: number | null;
}

/**
 * Average daily demand, weekday pattern and σ of one series of daily consumption
 * (docs/domain.md §Average daily demand from adjusted consumption).
 *
 * - Average daily demand = N / D with N = C × D / (D − X) (OpenLMIS), i.e. C / (D − X): units per
 *   in-stock day.
 * - σ is the sample standard deviation of each day's adjusted demand c / (1 − x) around that
 *   day's weekday forecast, so a predictable weekday swing is not counted as uncertainty. Days in
 *   stock for less than `minDayObservedShare` are left out. With fewer than 2 such days σ falls
 *   back to √(average daily demand), the σ of Poisson counts.
 * - Without an observation (X ≥ D) the result has `source: "none"` and zero demand; the caller
 *   decides the fallback (demandBySlot uses the prison's other slots).
 */
export function estimateDemand(days: readonly DayConsumption[], options: DemandOptions = {}): DemandEstimate {
  const minObservedDays = options.minObservedDays ?? 1;
  const priorUnits = options.weekdayPriorUnits ?? DEFAULT_WEEKDAY_PRIOR_UNITS;
  const minShare = options.minDayObservedShare ?? 0.5;
  const period = {
    consumed: days.reduce((n, d) => n + d.consumed, 0),
    days: days.length,
    stockoutDays: days.reduce((n, d) => n + d.stockoutDays, 0),
  };
  if (period.days === 0) return noDemand(period);
  const adjusted = adjustedConsumption(period, minObservedDays);
  if (!adjusted.observed) return noDemand(period);
  const averageDaily = adjusted.adjusted / period.days;
  const weekdayFactors = weekdayPattern(days, priorUnits);
  const residuals: number[] = [];
  for (const d of days) {
    const share = 1 - d.stockoutDays;
    if (share < minShare || share <= 0) continue;
    residuals.push(d.consumed / share - averageDaily * weekdayFactors[d.weekday]!);
  }
  const sigmaDaily = residuals.length >= 2 ? sampleSd(residuals) : Math.sqrt(averageDaily);
  return {
    source: "observed",
    ...period,
    adjustedConsumption: adjusted.adjusted,
    averageDaily,
    weekdayFactors,
    sigmaDaily,
  };
}

function noDemand(period: Pick<DemandEstimate, "consumed" | "days" | "stockoutDays">): DemandEstimate {
  return {
    source: "none",
    ...period,
    adjustedConsumption: null,
    averageDaily: 0,
    weekdayFactors: [...FLAT_WEEK],
    sigmaDaily: 0,
  };
}

function sampleSd(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return Math.sqrt(ss / (xs.length - 1));
}
