import { describe, expect, it } from "vitest";
import { forecastAccuracy } from "./forecast-accuracy";

describe("forecastAccuracy", () => {
  it("given four days forecast at 2 against 1, 3, 0, 2, then WAPE 4/6, MAPE 4/9 over 3 days, bias +1/3", () => {
    const a = forecastAccuracy([
      { forecast: 2, actual: 1 },
      { forecast: 2, actual: 3 },
      { forecast: 2, actual: 0 },
      { forecast: 2, actual: 2 },
    ]);
    expect(a.days).toBe(4);
    expect(a.totalForecast).toBe(8);
    expect(a.totalActual).toBe(6);
    expect(a.mae).toBe(1);
    expect(a.wape).toBeCloseTo(4 / 6, 12);
    // |2−1|/1 + |2−3|/3 + 0 over the 3 days with actual > 0; the zero day is left out.
    expect(a.mape).toBeCloseTo((1 + 1 / 3) / 3, 12);
    expect(a.mapeDays).toBe(3);
    expect(a.bias).toBeCloseTo(2 / 6, 12);
  });

  it("given an under-forecast, then a negative bias", () => {
    expect(forecastAccuracy([{ forecast: 1, actual: 4 }]).bias).toBe(-0.75);
  });

  it("given no day or nothing dispensed, then the ratios are null, not NaN or Infinity", () => {
    expect(forecastAccuracy([])).toEqual({
      days: 0,
      totalForecast: 0,
      totalActual: 0,
      mae: null,
      wape: null,
      mape: null,
      mapeDays: 0,
      bias: null,
    });
    expect(forecastAccuracy([{ forecast: 1, actual: 0 }])).toMatchObject({
      mae: 1,
      wape: null,
      mape: null,
      bias: null,
    });
  });
});
