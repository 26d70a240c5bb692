import { describe, expect, it } from "vitest";
import { dailyForecast } from "./demand-forecast";
import { InvalidParameterError } from "./errors";
import { projectStock } from "./project-stock";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const monday = at("2026-03-02T00:00:00Z");
const flat = (averageDaily: number) => ({ averageDaily, weekdayFactors: [1, 1, 1, 1, 1, 1, 1] });

describe("projectStock", () => {
  it("given 5 units and 2 a day from Monday 00:00, then the slot empties Wednesday 12:00", () => {
    const p = projectStock({
      timeZone: "UTC",
      stock: 5,
      forecast: flat(2),
      from: monday,
      until: monday + 7 * DAY,
    });
    expect(p).toEqual({ stockAt: 0, consumed: 5, stockoutAt: at("2026-03-04T12:00:00Z") });
  });

  it("given a weekend-heavy pattern, when walking day by day, then the stock runs out on Saturday morning", () => {
    // 2 a day on average; factors 0.5 Mon–Fri, 3.75 Sat, 0.75 Sun → 1/day, then 7.5 on Saturday.
    const forecast = { averageDaily: 2, weekdayFactors: [0.5, 0.5, 0.5, 0.5, 0.5, 3.75, 0.75] };
    expect(dailyForecast(forecast, "2026-03-07")).toBe(7.5);
    const p = projectStock({ timeZone: "UTC", stock: 8, forecast, from: monday, until: monday + 7 * DAY });
    // 5 used Mon–Fri, 3 left at Saturday 00:00, 3 / 7.5 = 0.4 day = 09:36.
    expect(p.stockoutAt).toBe(at("2026-03-07T09:36:00Z"));
  });

  it("given a start at 18:00, then the first part-day counts a quarter of a day", () => {
    const p = projectStock({
      timeZone: "UTC",
      stock: 1,
      forecast: flat(2),
      from: monday + 18 * HOUR,
      until: monday + 3 * DAY,
    });
    expect(p.stockoutAt).toBe(at("2026-03-03T06:00:00Z"));
  });

  it("given the 23-hour DST day in Kyiv, when 1 unit at 1 a day starts at its midnight, then it lasts 23 hours", () => {
    const from = at("2026-03-28T22:00:00Z");
    const p = projectStock({
      timeZone: "Europe/Kyiv",
      stock: 1,
      forecast: flat(1),
      from,
      until: from + 3 * DAY,
    });
    expect(p.stockoutAt).toBe(from + 23 * HOUR);
  });

  it("given enough stock, then no stockout and the expected stock at the end", () => {
    const p = projectStock({
      timeZone: "UTC",
      stock: 10,
      forecast: flat(2),
      from: monday,
      until: monday + 2.5 * DAY,
    });
    expect(p).toEqual({ stockAt: 5, consumed: 5, stockoutAt: null });
    expect(
      projectStock({ timeZone: "UTC", stock: 3, forecast: flat(0), from: monday, until: monday + DAY }),
    ).toEqual({
      stockAt: 3,
      consumed: 0,
      stockoutAt: null,
    });
  });

  it("given an empty slot, then it is out already; given until before from, then a named error", () => {
    expect(
      projectStock({ timeZone: "UTC", stock: 0, forecast: flat(2), from: monday, until: monday + DAY })
        .stockoutAt,
    ).toBe(monday);
    expect(() =>
      projectStock({ timeZone: "UTC", stock: 1, forecast: flat(2), from: monday, until: monday - 1 }),
    ).toThrow(InvalidParameterError);
  });
});
