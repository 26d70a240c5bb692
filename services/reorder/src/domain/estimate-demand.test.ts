import { describe, expect, it } from "vitest";
import { testDays, WEEKEND_HEAVY } from "../../test/test-days";
import { estimateDemand } from "./estimate-demand";

const FLAT = { weekdayPriorUnits: 1e12 };

describe("estimateDemand", () => {
  it("given C=30 over 30 days with 10 whole stockout days, then N = 45 and average daily demand 1.5", () => {
    const consumed = Array.from({ length: 30 }, (_, i) => (i < 20 ? 1.5 : 0));
    const out = Array.from({ length: 30 }, (_, i) => (i < 20 ? 0 : 1));
    const e = estimateDemand(testDays("2026-03-01", consumed, out));
    expect(e).toMatchObject({
      source: "observed",
      consumed: 30,
      days: 30,
      stockoutDays: 10,
      adjustedConsumption: 45,
    });
    expect(e.averageDaily).toBe(1.5);
    expect(e.sigmaDaily).toBeCloseTo(0, 12);
  });

  it("given 1, 3, 1, 3 units and a flat week, then σ is the sample sd √(4/3)", () => {
    const e = estimateDemand(testDays("2026-03-02", [1, 3, 1, 3]), FLAT);
    expect(e.averageDaily).toBe(2);
    expect(e.sigmaDaily).toBeCloseTo(Math.sqrt(4 / 3), 9);
  });

  it("given a regular weekend peak, when the pattern is fitted, then the swing is no uncertainty: σ = 0", () => {
    const e = estimateDemand(WEEKEND_HEAVY, { weekdayPriorUnits: 0 });
    expect(e.averageDaily).toBeCloseTo(18 / 7, 12);
    expect(e.sigmaDaily).toBeCloseTo(0, 12);
    // With a flat week the same data have σ = the spread of 2s and 4s: sd of (20×(−4/7), 8×(10/7)).
    const flat = estimateDemand(WEEKEND_HEAVY, FLAT);
    const expected = Math.sqrt((20 * (4 / 7) ** 2 + 8 * (10 / 7) ** 2) / 27);
    expect(flat.sigmaDaily).toBeCloseTo(expected, 6);
  });

  it("given a half-day stockout, when computing σ, then that day counts at its in-stock rate", () => {
    // Day 2: 1 unit in half a day → a rate of 2, like the others: σ = 0.
    const e = estimateDemand(testDays("2026-03-02", [2, 1, 2, 2], [0, 0.5, 0, 0]), FLAT);
    expect(e.averageDaily).toBeCloseTo(7 / 3.5, 12);
    expect(e.sigmaDaily).toBeCloseTo(0, 6);
  });

  it("given fewer than two usable days, then σ falls back to √(average daily demand) (Poisson)", () => {
    const e = estimateDemand(testDays("2026-03-02", [4, 0, 0], [0, 1, 1]));
    expect(e.adjustedConsumption).toBe(12);
    expect(e.averageDaily).toBe(4);
    expect(e.sigmaDaily).toBe(2);
  });

  it("given a window always out of stock, then source none, zero demand and a flat week", () => {
    const e = estimateDemand(testDays("2026-03-02", [0, 0, 0], [1, 1, 1]));
    expect(e).toEqual({
      source: "none",
      consumed: 0,
      days: 3,
      stockoutDays: 3,
      adjustedConsumption: null,
      averageDaily: 0,
      weekdayFactors: [1, 1, 1, 1, 1, 1, 1],
      sigmaDaily: 0,
    });
  });
});
