import { InvalidDateError, InvalidTimeZoneError, LocalCalendar } from "@hrvend/runtime/time";
import { describe, expect, it } from "vitest";

// Reorder's reference for the shared local-time module (@hrvend/runtime/time), which replaced
// reorder's own LocalCalendar: the same assertions; a date that is not one is InvalidDateError
// there (reorder's was InvalidParameterError, with the same message).

const HOUR = 3_600_000;
const kyiv = LocalCalendar.for("Europe/Kyiv");
const at = (iso: string) => Date.parse(iso);

describe("LocalCalendar", () => {
  it("given the EU DST changes in Kyiv, when measuring local days, then they last 23 h and 25 h", () => {
    expect(kyiv.dayLengthMs("2026-03-28")).toBe(24 * HOUR);
    expect(kyiv.dayLengthMs("2026-03-29")).toBe(23 * HOUR);
    expect(kyiv.dayLengthMs("2026-10-25")).toBe(25 * HOUR);
    expect(kyiv.startOfDay("2026-03-29")).toBe(at("2026-03-28T22:00:00Z"));
    expect(kyiv.startOfDay("2026-03-30")).toBe(at("2026-03-29T21:00:00Z"));
  });

  it("given an instant after the spring change, when taking its local date, then summer time applies", () => {
    // 21:30Z is 00:30 EEST on the 30th; a fixed +02:00 would say 23:30 on the 29th.
    expect(kyiv.dateOf(at("2026-03-29T21:30:00Z"))).toBe("2026-03-30");
    expect(kyiv.dateOf(at("2026-03-29T20:30:00Z"))).toBe("2026-03-29");
    expect(kyiv.dateOf(at("2026-03-28T22:30:00Z"))).toBe("2026-03-29");
    expect(kyiv.offsetMinutes(at("2026-03-29T00:59:00Z"))).toBe(120);
    expect(kyiv.offsetMinutes(at("2026-03-29T01:00:00Z"))).toBe(180);
  });

  it("given a wall time in the spring gap or the autumn overlap, when resolving it, then gap moves forward and overlap takes the earlier instant", () => {
    expect(kyiv.atLocalTime("2026-03-29", 3.5)).toBe(at("2026-03-29T01:30:00Z"));
    expect(kyiv.isoLocal(kyiv.atLocalTime("2026-03-29", 3.5))).toBe("2026-03-29T04:30:00+03:00");
    expect(kyiv.atLocalTime("2026-10-25", 3.5)).toBe(at("2026-10-25T00:30:00Z"));
    expect(kyiv.atLocalTime("2026-10-25", 10)).toBe(at("2026-10-25T08:00:00Z"));
  });

  it("given an instant, when adding local days across DST, then the local wall-clock time is kept", () => {
    const saturday10 = at("2026-03-28T08:00:00Z");
    expect(kyiv.isoLocal(saturday10)).toBe("2026-03-28T10:00:00+02:00");
    expect(kyiv.plusLocalDays(saturday10, 2)).toBe(at("2026-03-30T07:00:00Z"));
  });

  it("given dates, when doing calendar arithmetic, then weekdays are Monday-first and months roll over", () => {
    expect(LocalCalendar.weekday("2026-03-23")).toBe(0);
    expect(LocalCalendar.weekday("2026-03-29")).toBe(6);
    expect(LocalCalendar.addDays("2026-02-27", 2)).toBe("2026-03-01");
    expect(LocalCalendar.addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(LocalCalendar.daysBetween("2026-03-23", "2026-04-20")).toBe(28);
  });

  it("given a zone west of UTC, when formatting, then the offset is negative", () => {
    const ny = LocalCalendar.for("America/New_York");
    expect(ny.isoLocal(at("2026-01-15T17:00:00Z"))).toBe("2026-01-15T12:00:00-05:00");
    expect(ny.dateOf(at("2026-01-16T03:00:00Z"))).toBe("2026-01-15");
  });

  it("given bad input, when building or parsing, then it fails with a named error", () => {
    expect(() => new LocalCalendar("Mars/Olympus")).toThrow(InvalidTimeZoneError);
    expect(() => LocalCalendar.weekday("2026-02-30")).toThrow(InvalidDateError);
    expect(() => LocalCalendar.addDays("26-3-1", 1)).toThrow(InvalidDateError);
  });
});
