import { describe, expect, it } from "vitest";
import { daysOfCover } from "./days-of-cover";
import { InvalidParameterError } from "./errors";
import { maxMin } from "./max-min";

describe("maxMin (MSH)", () => {
  it("given 2 a day, σ 1.5, lead time 2 d, review 7 d, z 1.65, then Min 8 and Max 22 (rounded up)", () => {
    // SS = 1.65 × 1.5 × √2 = 3.5002; Min = 2 × 2 + 3.5002 = 7.5002; Max = 7.5002 + 2 × 7 = 21.5002.
    const m = maxMin({ averageDaily: 2, sigmaDaily: 1.5 }, 40, { leadTimeDays: 2, reviewIntervalDays: 7 });
    expect(m.safetyStock).toBeCloseTo(1.65 * 1.5 * Math.SQRT2, 12);
    expect(m.minExact).toBeCloseTo(7.50018, 5);
    expect(m.maxExact).toBeCloseTo(21.50018, 5);
    expect([m.min, m.max, m.capped]).toEqual([8, 22, false]);
  });

  it("given a slot of capacity 20, then Max is capped at 20 and flagged; a capacity of 6 caps Min too", () => {
    const demand = { averageDaily: 2, sigmaDaily: 1.5 };
    const params = { leadTimeDays: 2, reviewIntervalDays: 7 };
    expect(maxMin(demand, 20, params)).toMatchObject({ min: 8, max: 20, capped: true });
    expect(maxMin(demand, 6, params)).toMatchObject({ min: 6, max: 6, capped: true });
  });

  it("given whole figures, then no rounding up from float noise; given z = 0 or no lead time, then no safety stock", () => {
    expect(
      maxMin({ averageDaily: 0.1, sigmaDaily: 0 }, 50, { leadTimeDays: 3, reviewIntervalDays: 7 }),
    ).toMatchObject({
      min: 1,
      max: 1,
    });
    expect(
      maxMin({ averageDaily: 3, sigmaDaily: 2 }, 50, { leadTimeDays: 0, reviewIntervalDays: 7 }),
    ).toMatchObject({
      safetyStock: 0,
      min: 0,
      max: 21,
    });
    expect(
      maxMin({ averageDaily: 3, sigmaDaily: 2 }, 50, { leadTimeDays: 2, reviewIntervalDays: 7, z: 0 }),
    ).toMatchObject({
      min: 6,
      max: 27,
    });
  });

  it("given negative figures, then it fails with a named error", () => {
    expect(() =>
      maxMin({ averageDaily: -1, sigmaDaily: 0 }, 5, { leadTimeDays: 1, reviewIntervalDays: 7 }),
    ).toThrow(InvalidParameterError);
    expect(() =>
      maxMin({ averageDaily: 1, sigmaDaily: 0 }, 5, { leadTimeDays: -1, reviewIntervalDays: 7 }),
    ).toThrow(InvalidParameterError);
  });
});

describe("daysOfCover", () => {
  it("given stock 12 and 1.5 a day, then 8 days; without demand, then null (not Infinity, for JSON)", () => {
    expect(daysOfCover(12, 1.5)).toBe(8);
    expect(daysOfCover(12, 0)).toBeNull();
  });
});
