import { InvalidParameterError } from "./errors";

/** C, D and X of a period (docs/domain.md §Adjusted consumption). */
export interface ConsumptionPeriod {
  /** C: units consumed in the period. */
  consumed: number;
  /** D: days in the period. */
  days: number;
  /** X: days of the period the slot was out of stock (fractions of days allowed). */
  stockoutDays: number;
}

export type AdjustedConsumption =
  | (ConsumptionPeriod & { observed: true; adjusted: number })
  /** The slot was (almost) never in stock: the period says nothing about demand. */
  | (ConsumptionPeriod & { observed: false; adjusted: null });

/**
 * Stockout-adjusted consumption as OpenLMIS defines it (docs/domain.md): N = C × D / (D − X).
 * Consumption seen while in stock is scaled up to the whole period, since no one could take what
 * was not there.
 *
 * Guard: when X ≥ D (or fewer than `minObservedDays` in-stock days remain) there is no
 * observation — N would divide by zero, or multiply a few hours' luck into weeks of demand — and
 * the result is flagged `observed: false` for the caller to fall back on (see demandBySlot).
 */
export function adjustedConsumption(period: ConsumptionPeriod, minObservedDays = 0): AdjustedConsumption {
  const { consumed: c, days: d, stockoutDays: x } = period;
  if (!(d > 0) || !(c >= 0) || !(x >= 0) || x > d + 1e-9 || !(minObservedDays >= 0))
    throw new InvalidParameterError(
      `adjusted consumption needs D > 0, C ≥ 0 and 0 ≤ X ≤ D; got C=${c}, D=${d}, X=${x}`,
      { ...period, minObservedDays },
    );
  const observedDays = d - x;
  if (observedDays <= 1e-9 || observedDays < minObservedDays)
    return { ...period, observed: false, adjusted: null };
  return { ...period, observed: true, adjusted: (c * d) / observedDays };
}
