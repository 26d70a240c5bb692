import { describe, expect, it } from "vitest";
import { testDays, WEEKEND_HEAVY } from "../../test/test-days";
import { weekdayPattern } from "./weekday-pattern";

describe("weekdayPattern", () => {
  it("given four weeks of 2 a weekday and 4 a weekend day, when not shrunk, then factors are 7/9 and 14/9", () => {
    // Rate 72 / 28 = 18/7 a day; weekday 2 / (18/7) = 7/9, weekend 4 / (18/7) = 14/9; mean 1.
    const f = weekdayPattern(WEEKEND_HEAVY, 0);
    for (const w of [0, 1, 2, 3, 4]) expect(f[w]).toBeCloseTo(7 / 9, 12);
    for (const w of [5, 6]) expect(f[w]).toBeCloseTo(14 / 9, 12);
  });

  it("given the same four weeks, when shrunk with the default prior of 25 units, then 231/247 and 287/247", () => {
    // Each weekday expects E = 4 × 18/7 = 72/7 units, weight 72/7 / (72/7 + 25) = 72/247:
    // weekday 1 + 72/247 × (7/9 − 1) = 231/247, weekend 1 + 72/247 × (14/9 − 1) = 287/247.
    const f = weekdayPattern(WEEKEND_HEAVY);
    for (const w of [0, 1, 2, 3, 4]) expect(f[w]).toBeCloseTo(231 / 247, 12);
    for (const w of [5, 6]) expect(f[w]).toBeCloseTo(287 / 247, 12);
    expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(7, 12);
  });

  it("given a Saturday half out of stock with half its units, when estimating, then the pattern is unchanged", () => {
    // Its in-stock rate is still 4 a day: adjusting for the stockout (like OpenLMIS N) keeps 7/9 and 14/9.
    const days = WEEKEND_HEAVY.map((d) =>
      d.date === "2026-03-07" ? { ...d, consumed: 2, stockoutDays: 0.5 } : d,
    );
    const f = weekdayPattern(days, 0);
    for (const w of [0, 1, 2, 3, 4]) expect(f[w]).toBeCloseTo(7 / 9, 12);
    for (const w of [5, 6]) expect(f[w]).toBeCloseTo(14 / 9, 12);
  });

  it("given nothing dispensed, or a weekday never in stock, then the flat factor 1 stands in", () => {
    expect(weekdayPattern(testDays("2026-03-02", [0, 0, 0, 0, 0, 0, 0]))).toEqual([1, 1, 1, 1, 1, 1, 1]);
    const noMonday = testDays("2026-03-02", [0, 3, 3, 3, 3, 3, 3], [1, 0, 0, 0, 0, 0, 0]);
    expect(weekdayPattern(noMonday, 0)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});
