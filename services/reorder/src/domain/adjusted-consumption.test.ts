import { describe, expect, it } from "vitest";
import { adjustedConsumption } from "./adjusted-consumption";
import { InvalidParameterError } from "./errors";

describe("adjustedConsumption (OpenLMIS N = C × D / (D − X))", () => {
  it("given C=30 over D=30 days with X=10 stockout days, then N = 45", () => {
    expect(adjustedConsumption({ consumed: 30, days: 30, stockoutDays: 10 })).toEqual({
      consumed: 30,
      days: 30,
      stockoutDays: 10,
      observed: true,
      adjusted: 45,
    });
  });

  it("given no stockout, then N = C; given a fractional X, then N scales by D / (D − X)", () => {
    expect(adjustedConsumption({ consumed: 12, days: 28, stockoutDays: 0 }).adjusted).toBe(12);
    expect(adjustedConsumption({ consumed: 7, days: 28, stockoutDays: 0.5 }).adjusted).toBeCloseTo(
      (7 * 28) / 27.5,
      12,
    );
  });

  it("given X ≥ D, then there is no observation and no N", () => {
    expect(adjustedConsumption({ consumed: 0, days: 28, stockoutDays: 28 })).toMatchObject({
      observed: false,
      adjusted: null,
    });
  });

  it("given fewer in-stock days than the minimum, then there is no observation either", () => {
    expect(adjustedConsumption({ consumed: 2, days: 28, stockoutDays: 27.5 }, 1).observed).toBe(false);
    expect(adjustedConsumption({ consumed: 2, days: 28, stockoutDays: 27 }, 1).adjusted).toBe(56);
  });

  it("given impossible figures, then it fails with a named error", () => {
    expect(() => adjustedConsumption({ consumed: 1, days: 0, stockoutDays: 0 })).toThrow(
      InvalidParameterError,
    );
    expect(() => adjustedConsumption({ consumed: -1, days: 5, stockoutDays: 0 })).toThrow(
      InvalidParameterError,
    );
    expect(() => adjustedConsumption({ consumed: 1, days: 5, stockoutDays: 6 })).toThrow(
      InvalidParameterError,
    );
  });
});
