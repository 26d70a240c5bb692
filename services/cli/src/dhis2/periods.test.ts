import { describe, expect, it } from "vitest";
import { Dhis2PeriodError, parseDhis2Period } from "./periods";

describe("DHIS2 periods", () => {
  it("quarters, months and years are calendar periods, with their ADX time range", () => {
    expect(parseDhis2Period("2026Q1")).toEqual({
      id: "2026Q1",
      type: "quarter",
      start: "2026-01-01",
      end: "2026-03-31",
      adx: "2026-01-01/P3M",
    });
    expect(parseDhis2Period("2024Q4")).toMatchObject({ start: "2024-10-01", end: "2024-12-31" });
    expect(parseDhis2Period("202402")).toMatchObject({
      type: "month",
      start: "2024-02-01",
      end: "2024-02-29",
      adx: "2024-02-01/P1M",
    });
    expect(parseDhis2Period("2026")).toMatchObject({
      type: "year",
      start: "2026-01-01",
      end: "2026-12-31",
      adx: "2026-01-01/P1Y",
    });
  });

  it("ISO weeks start on Monday; week 1 holds 4 January; week 53 only in long years", () => {
    // 4 January 2026 is a Sunday, so week 1 runs Monday 29 December 2025 to 4 January 2026.
    expect(parseDhis2Period("2026W01")).toMatchObject({
      id: "2026W1",
      start: "2025-12-29",
      end: "2026-01-04",
      adx: "2025-12-29/P7D",
    });
    expect(parseDhis2Period("2026W2")).toMatchObject({ start: "2026-01-05", end: "2026-01-11" });
    // 1 January 2026 is a Thursday: 2026 has 53 weeks; 2027 (starts on a Friday) has 52.
    expect(parseDhis2Period("2026W53")).toMatchObject({ start: "2026-12-28", end: "2027-01-03" });
    expect(() => parseDhis2Period("2027W53")).toThrow(/2027 has no ISO week 53/);
    expect(() => parseDhis2Period("2026W0")).toThrow(Dhis2PeriodError);
  });

  it("refuses what DHIS2 would not read, naming the accepted forms", () => {
    for (const bad of ["2026Q5", "202613", "2026-01", "26Q1", "2026S1", "", "2026Q1; DROP"])
      expect(() => parseDhis2Period(bad)).toThrow(/not a DHIS2 period: use a year \(2026\), quarter/);
  });
});
