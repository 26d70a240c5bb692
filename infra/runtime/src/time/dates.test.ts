import { describe, expect, it } from "vitest";
import { addDays, DAY_MS, dateOfWall, daysBetween, isLocalDate, wallMidnight, weekday } from "./dates";
import { InvalidDateError } from "./errors";

// References are calendar facts, worked out by hand.
describe("local dates", () => {
  it("given dates across month, leap-day and year ends, when adding days, then the calendar rolls over", () => {
    expect(addDays("2026-02-27", 2)).toBe("2026-03-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2027-01-01", -1)).toBe("2026-12-31");
    expect(addDays("2026-12-25", 14)).toBe("2027-01-08");
    // The DST nights change nothing in date arithmetic.
    expect(addDays("2026-03-28", 2)).toBe("2026-03-30");
    expect(addDays("2026-10-24", 2)).toBe("2026-10-26");
  });

  it("given two dates, when counting days between them, then the count is signed and ignores DST", () => {
    expect(daysBetween("2026-03-23", "2026-04-20")).toBe(28);
    expect(daysBetween("2026-04-20", "2026-03-23")).toBe(-28);
    expect(daysBetween("2025-12-31", "2026-01-01")).toBe(1);
    expect(daysBetween("2026-01-01", "2027-01-01")).toBe(365);
    expect(daysBetween("2024-01-01", "2025-01-01")).toBe(366);
    expect(daysBetween("2026-03-28", "2026-03-30")).toBe(2);
  });

  it("given dates, when taking the weekday, then Monday is 0 and Sunday 6", () => {
    expect(weekday("2026-12-03")).toBe(3); // Thursday
    expect(weekday("2026-03-23")).toBe(0); // Monday
    expect(weekday("2026-03-29")).toBe(6); // Sunday
    expect(weekday("2027-01-01")).toBe(4); // Friday
    expect(weekday("1969-12-31")).toBe(2); // Wednesday, before the epoch
  });

  it("given text that is not a calendar date, when parsed, then InvalidDateError (a RangeError) names it", () => {
    expect(() => weekday("2026-02-30")).toThrow(InvalidDateError);
    expect(() => addDays("26-3-1", 1)).toThrow(InvalidDateError);
    expect(() => daysBetween("2026-13-01", "2026-01-01")).toThrow(RangeError);
    expect(() => wallMidnight("2026-03-01T00:00")).toThrow("'2026-03-01T00:00' is not a calendar date");
    expect(isLocalDate("2024-02-29")).toBe(true);
    expect(isLocalDate("2026-02-29")).toBe(false);
    expect(wallMidnight("1970-01-02")).toBe(86_400_000);
  });

  it("given wall ms, when taking their date, then it is the UTC calendar date Date prints", () => {
    expect(dateOfWall(Date.UTC(2026, 11, 3, 23, 59, 59, 999))).toBe("2026-12-03");
    expect(dateOfWall(Date.UTC(2024, 1, 29))).toBe("2024-02-29");
    expect(dateOfWall(Date.UTC(2000, 1, 29, 12))).toBe("2000-02-29");
    expect(dateOfWall(-1)).toBe("1969-12-31");
    expect(dateOfWall(Date.UTC(1, 0, 1) - DAY_MS * 400)).toBe(
      new Date(Date.UTC(1, 0, 1) - DAY_MS * 400).toISOString().slice(0, 10),
    );
    // Every day (and a point inside it) from 1900 to 2100 against Date's own formatting.
    for (let d = Date.UTC(1900, 0, 1); d < Date.UTC(2100, 0, 1); d += DAY_MS) {
      const expected = new Date(d).toISOString().slice(0, 10);
      if (dateOfWall(d) !== expected || dateOfWall(d + DAY_MS - 1) !== expected) {
        expect(dateOfWall(d)).toBe(expected);
        expect(dateOfWall(d + DAY_MS - 1)).toBe(expected);
      }
    }
    expect(() => dateOfWall(Number.NaN)).toThrow(RangeError);
  });
});
