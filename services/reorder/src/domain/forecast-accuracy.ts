/** A day's forecast demand and the units actually dispensed that day. */
export interface ForecastPoint {
  forecast: number;
  actual: number;
}

export interface ForecastAccuracy {
  days: number;
  totalForecast: number;
  totalActual: number;
  /** Mean absolute error, units per day. */
  mae: number | null;
  /** Σ|forecast − actual| / Σ actual: the headline error (see forecastAccuracy). Null when nothing was dispensed. */
  wape: number | null;
  /** Mean of |forecast − actual| / actual over days with actual > 0; null without such days. */
  mape: number | null;
  /** Days MAPE was computed on. */
  mapeDays: number;
  /** mean(forecast − actual) / mean(actual): > 0 over-forecasts, < 0 under-forecasts. Null when nothing was dispensed. */
  bias: number | null;
}

/**
 * Accuracy of daily demand forecasts, for the benchmark.
 *
 * Daily dispenses of one machine slot are small, intermittent counts (0, 1, 3, 0…), where MAPE
 * misbehaves: it is undefined on zero days, and on the rest a day with 1 unit forecast at 3
 * weighs as much as 200 %. WAPE (Σ|e| / Σ actual, i.e. MAE / mean actual) weighs each day by its
 * volume and stays defined whenever anything was dispensed, so it is the headline figure. MAPE is
 * still given, on days with actual > 0 only (as asked), with the number of such days.
 * Bias = mean(forecast − actual) / mean(actual) = Σ(forecast − actual) / Σ actual.
 */
export function forecastAccuracy(points: readonly ForecastPoint[]): ForecastAccuracy {
  const days = points.length;
  let totalForecast = 0;
  let totalActual = 0;
  let absError = 0;
  let apeSum = 0;
  let mapeDays = 0;
  for (const p of points) {
    totalForecast += p.forecast;
    totalActual += p.actual;
    absError += Math.abs(p.forecast - p.actual);
    if (p.actual > 0) {
      apeSum += Math.abs(p.forecast - p.actual) / p.actual;
      mapeDays++;
    }
  }
  return {
    days,
    totalForecast,
    totalActual,
    mae: days > 0 ? absError / days : null,
    wape: totalActual > 0 ? absError / totalActual : null,
    mape: mapeDays > 0 ? apeSum / mapeDays : null,
    mapeDays,
    bias: totalActual > 0 ? (totalForecast - totalActual) / totalActual : null,
  };
}
