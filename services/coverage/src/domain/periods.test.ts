import { describe, expect, it } from "vitest";
import { fullWindowMask, periodDays, periodOf, periodsBetween, regularWindows, windowIndex } from "./periods";

describe("periods", () => {
  it("given dates, when grouped, then weeks are ISO (Monday first), quarters and years calendar", () => {
    expect(periodOf("2026-03-29", "week")).toEqual({ grain: "week", start: "2026-03-23", end: "2026-03-29" });
    expect(periodOf("2026-03-30", "week")).toEqual({ grain: "week", start: "2026-03-30", end: "2026-04-05" });
    expect(periodOf("2026-01-01", "week").start).toBe("2025-12-29");
    expect(periodOf("2024-02-10", "month")).toEqual({
      grain: "month",
      start: "2024-02-01",
      end: "2024-02-29",
    });
    expect(periodOf("2026-05-31", "quarter")).toEqual({
      grain: "quarter",
      start: "2026-04-01",
      end: "2026-06-30",
    });
    expect(periodOf("2026-12-31", "year")).toEqual({ grain: "year", start: "2026-01-01", end: "2026-12-31" });
  });

  it("given a range, when listed, then every overlapping period comes once in order", () => {
    expect(periodsBetween("2026-01-05", "2026-04-04", "month").map((p) => p.start)).toEqual([
      "2026-01-01",
      "2026-02-01",
      "2026-03-01",
      "2026-04-01",
    ]);
    expect(periodsBetween("2026-03-28", "2026-03-31", "day").length).toBe(4);
  });
});

describe("regular-access windows (HIV.IND.9: every 30-day window of the period)", () => {
  it("given periods, when cut, then 30-day windows from the start with the remainder in the last", () => {
    const q1 = periodOf("2026-02-01", "quarter"); // 90 days
    expect(periodDays(q1)).toBe(90);
    expect(regularWindows(q1)).toBe(3);
    expect(windowIndex(q1, "2026-01-30")).toBe(0);
    expect(windowIndex(q1, "2026-01-31")).toBe(1);
    expect(windowIndex(q1, "2026-03-31")).toBe(2);
    const q3 = periodOf("2026-08-01", "quarter"); // 92 days: last window 32
    expect(regularWindows(q3)).toBe(3);
    expect(windowIndex(q3, "2026-09-30")).toBe(2);
    expect(regularWindows(periodOf("2026-01-10", "month"))).toBe(1);
    expect(regularWindows(periodOf("2026-02-10", "month"))).toBe(0); // 28 days: no window
    expect(regularWindows(periodOf("2026-06-10", "year"))).toBe(12);
    expect(fullWindowMask(periodOf("2026-06-10", "year"))).toBe(4095);
    expect(windowIndex(periodOf("2026-06-10", "week"), "2026-06-10")).toBe(-1);
  });
});
