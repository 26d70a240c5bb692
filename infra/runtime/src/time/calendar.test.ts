import { describe, expect, it } from "vitest";
import { LocalCalendar } from "./calendar";
import { InvalidDateError, InvalidInstantError, InvalidTimeZoneError } from "./errors";

// References come from the tz database's rules, worked out by hand (`zdump -v` agrees):
// - Europe/Kyiv, Europe/Bucharest (EU rule, 01:00 UTC): 2026-03-29 03:00 EET (+02) → 04:00 EEST (+03);
//   2026-10-25 04:00 EEST → 03:00 EET.
// - Europe/Chisinau (Moldova's own rule, 00:00 UTC): 2026-03-29 02:00 (+02) → 03:00 (+03);
//   2026-10-25 03:00 (+03) → 02:00 (+02).
// - America/St_Johns: -03:30 / -02:30; 2026-03-08 02:00 → 03:00; 2026-11-01 02:00 → 01:00.
// - Australia/Lord_Howe, a half-hour shift: 2026-04-05 02:00 (+11) → 01:30 (+10:30);
//   2026-10-04 02:00 (+10:30) → 02:30 (+11).
// - Pacific/Chatham: 2026-04-05 03:45 (+13:45) → 02:45 (+12:45); 2026-09-27 02:45 (+12:45) → 03:45 (+13:45).
// - America/Santiago: 2026-09-06 00:00 (-04) → 01:00 (-03), a gap that swallows midnight.
const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const kyiv = LocalCalendar.for("Europe/Kyiv");

describe("LocalCalendar (ported from reorder's localCalendar.test.ts)", () => {
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
    expect(() => new LocalCalendar("")).toThrow(InvalidTimeZoneError);
    expect(() => LocalCalendar.weekday("2026-02-30")).toThrow(InvalidDateError);
    expect(() => LocalCalendar.addDays("26-3-1", 1)).toThrow(InvalidDateError);
    expect(() => kyiv.startOfDay("2026-02-30")).toThrow(InvalidDateError);
  });
});

describe("LocalCalendar across the tz database's odd cases", () => {
  it("given Bucharest and Chisinau, when their spring nights pass, then each changes at its own hour", () => {
    const bucharest = LocalCalendar.for("Europe/Bucharest");
    expect(bucharest.offsetMinutes(at("2026-03-29T00:59:59Z"))).toBe(120);
    expect(bucharest.offsetMinutes(at("2026-03-29T01:00:00Z"))).toBe(180);
    expect(bucharest.dayLengthMs("2026-03-29")).toBe(23 * HOUR);
    expect(bucharest.dayLengthMs("2026-10-25")).toBe(25 * HOUR);
    const chisinau = LocalCalendar.for("Europe/Chisinau");
    expect(chisinau.offsetMinutes(at("2026-03-28T23:59:59Z"))).toBe(120);
    expect(chisinau.offsetMinutes(at("2026-03-29T00:00:00Z"))).toBe(180);
    expect(chisinau.offsetMinutes(at("2026-10-24T23:59:59Z"))).toBe(180);
    expect(chisinau.offsetMinutes(at("2026-10-25T00:00:00Z"))).toBe(120);
    expect(chisinau.dayLengthMs("2026-03-29")).toBe(23 * HOUR);
    expect(chisinau.dayLengthMs("2026-10-25")).toBe(25 * HOUR);
    expect(chisinau.startOfDay("2026-03-29")).toBe(at("2026-03-28T22:00:00Z"));
    expect(chisinau.startOfDay("2026-10-26")).toBe(at("2026-10-25T22:00:00Z"));
  });

  it("given Chisinau's gap (02:00–03:00) and overlap (02:00–03:00 twice), when resolving wall times, then the offset before the change applies", () => {
    const chisinau = LocalCalendar.for("Europe/Chisinau");
    // 02:30 does not exist on 03-29: +02:00 (before) gives 00:30Z, which reads 03:30 +03:00.
    expect(chisinau.atLocalTime("2026-03-29", 2.5)).toBe(at("2026-03-29T00:30:00Z"));
    expect(chisinau.isoLocal(at("2026-03-29T00:30:00Z"))).toBe("2026-03-29T03:30:00+03:00");
    // 02:30 happens twice on 10-25: at +03:00 (23:30Z on the 24th) and at +02:00 (00:30Z).
    expect(chisinau.atLocalTime("2026-10-25", 2.5)).toBe(at("2026-10-24T23:30:00Z"));
    expect(chisinau.isoLocal(at("2026-10-25T00:30:00Z"))).toBe("2026-10-25T02:30:00+02:00");
  });

  it("given St John's (-03:30), when its DST nights pass, then half-hour offsets and 23/25 h days hold", () => {
    const stJohns = LocalCalendar.for("America/St_Johns");
    expect(stJohns.offsetMinutes(at("2026-01-15T12:00:00Z"))).toBe(-210);
    expect(stJohns.offsetMinutes(at("2026-07-15T12:00:00Z"))).toBe(-150);
    expect(stJohns.isoLocal(at("2026-01-15T12:00:00Z"))).toBe("2026-01-15T08:30:00-03:30");
    expect(stJohns.dateOf(at("2026-01-16T03:29:59Z"))).toBe("2026-01-15");
    expect(stJohns.dateOf(at("2026-01-16T03:30:00Z"))).toBe("2026-01-16");
    expect(stJohns.dayLengthMs("2026-03-08")).toBe(23 * HOUR);
    expect(stJohns.dayLengthMs("2026-11-01")).toBe(25 * HOUR);
    // Gap: 02:30 at -03:30 (before) is 06:00Z, which reads 03:30 -02:30.
    expect(stJohns.atLocalTime("2026-03-08", 2.5)).toBe(at("2026-03-08T06:00:00Z"));
    // Overlap: 01:30 at -02:30 (before, the earlier pass) is 04:00Z.
    expect(stJohns.atLocalTime("2026-11-01", 1.5)).toBe(at("2026-11-01T04:00:00Z"));
  });

  it("given Lord Howe's half-hour DST, when its nights pass, then days last 24.5 h and 23.5 h", () => {
    const lordHowe = LocalCalendar.for("Australia/Lord_Howe");
    expect(lordHowe.offsetMinutes(at("2026-04-04T14:59:59Z"))).toBe(660);
    expect(lordHowe.offsetMinutes(at("2026-04-04T15:00:00Z"))).toBe(630);
    expect(lordHowe.offsetMinutes(at("2026-10-03T15:29:59Z"))).toBe(630);
    expect(lordHowe.offsetMinutes(at("2026-10-03T15:30:00Z"))).toBe(660);
    expect(lordHowe.dayLengthMs("2026-04-05")).toBe(24.5 * HOUR);
    expect(lordHowe.dayLengthMs("2026-10-04")).toBe(23.5 * HOUR);
    // Gap 02:00–02:30 on 10-04: 02:15 at +10:30 (before) is 15:45Z, which reads 02:45 +11:00.
    expect(lordHowe.atLocalTime("2026-10-04", 2.25)).toBe(at("2026-10-03T15:45:00Z"));
    expect(lordHowe.isoLocal(at("2026-10-03T15:45:00Z"))).toBe("2026-10-04T02:45:00+11:00");
    // Overlap 01:30–02:00 twice on 04-05: 01:45 at +11:00 (the earlier pass) is 14:45Z.
    expect(lordHowe.atLocalTime("2026-04-05", 1.75)).toBe(at("2026-04-04T14:45:00Z"));
  });

  it("given Chatham (+12:45/+13:45), when its nights pass, then quarter-hour offsets hold", () => {
    const chatham = LocalCalendar.for("Pacific/Chatham");
    expect(chatham.offsetMinutes(at("2026-01-15T00:00:00Z"))).toBe(825);
    expect(chatham.offsetMinutes(at("2026-07-15T00:00:00Z"))).toBe(765);
    expect(chatham.isoLocal(at("2026-07-15T00:00:00Z"))).toBe("2026-07-15T12:45:00+12:45");
    expect(chatham.dateOf(at("2026-07-15T11:14:59Z"))).toBe("2026-07-15");
    expect(chatham.dateOf(at("2026-07-15T11:15:00Z"))).toBe("2026-07-16");
    expect(chatham.dayLengthMs("2026-04-05")).toBe(25 * HOUR);
    expect(chatham.dayLengthMs("2026-09-27")).toBe(23 * HOUR);
    // Gap 02:45–03:45 on 09-27: 03:00 at +12:45 (before) is 14:15Z on the 26th, reading 04:00 +13:45.
    expect(chatham.atLocalTime("2026-09-27", 3)).toBe(at("2026-09-26T14:15:00Z"));
    expect(chatham.isoLocal(at("2026-09-26T14:15:00Z"))).toBe("2026-09-27T04:00:00+13:45");
    // Overlap 02:45–03:45 twice on 04-05: 03:00 at +13:45 (the earlier pass) is 13:15Z on the 4th.
    expect(chatham.atLocalTime("2026-04-05", 3)).toBe(at("2026-04-04T13:15:00Z"));
  });

  it("given a gap that swallows midnight (Santiago), when a day starts, then it starts when the gap ends", () => {
    const santiago = LocalCalendar.for("America/Santiago");
    expect(santiago.startOfDay("2026-09-06")).toBe(at("2026-09-06T04:00:00Z"));
    expect(santiago.isoLocal(santiago.startOfDay("2026-09-06"))).toBe("2026-09-06T01:00:00-03:00");
    expect(santiago.dayLengthMs("2026-09-06")).toBe(23 * HOUR);
  });

  it("given a time across a year end, when taking dates and adding local days, then the year rolls", () => {
    expect(kyiv.dateOf(at("2026-12-31T21:59:59Z"))).toBe("2026-12-31");
    expect(kyiv.dateOf(at("2026-12-31T22:00:00Z"))).toBe("2027-01-01");
    expect(kyiv.plusLocalDays(at("2026-12-31T08:00:00Z"), 1)).toBe(at("2027-01-01T08:00:00Z"));
    expect(kyiv.plusLocalDays(at("2026-03-28T08:00:00Z"), 0.5)).toBe(at("2026-03-28T20:00:00Z"));
    expect(kyiv.isoLocal(at("2026-12-31T22:00:00.999Z"))).toBe("2027-01-01T00:00:00+02:00");
    expect(kyiv.atLocalTime("2026-06-01", 10 + 1 / 60)).toBe(at("2026-06-01T07:01:00Z"));
  });

  it("given instants asked out of order across years, when the offset cache fills, then each stretch keeps its own offset", () => {
    const fresh = new LocalCalendar("Europe/Kyiv");
    expect(fresh.offsetMinutes(at("2027-01-15T00:00:00Z"))).toBe(120);
    expect(fresh.offsetMinutes(at("2025-07-01T00:00:00Z"))).toBe(180);
    expect(fresh.offsetMinutes(at("2026-10-25T01:00:00Z"))).toBe(120); // the change itself
    expect(fresh.offsetMinutes(at("2026-10-25T00:59:59.999Z"))).toBe(180);
    expect(fresh.offsetMinutes(at("2026-03-29T00:59:59.999Z"))).toBe(120);
    expect(fresh.offsetMinutes(at("2026-03-29T01:00:00Z"))).toBe(180);
    expect(fresh.offsetMinutes(at("2026-01-01T00:00:00Z"))).toBe(120);
    expect(fresh.offsetMinutes(at("2027-01-15T00:00:00Z"))).toBe(120);
    expect(fresh.offsetMinutes(at("2025-07-01T00:00:00Z"))).toBe(180);
    // Zones without changes (ever, or any more).
    expect(LocalCalendar.for("UTC").offsetMinutes(at("2026-06-01T00:00:00Z"))).toBe(0);
    expect(LocalCalendar.for("Asia/Tokyo").offsetMinutes(at("2040-06-01T00:00:00Z"))).toBe(540);
    expect(() => fresh.offsetMinutes(Number.NaN)).toThrow(InvalidInstantError);
  });

  it("given one zone asked twice, when calendars are shared, then for() returns the same calendar", () => {
    expect(LocalCalendar.for("Europe/Kyiv")).toBe(kyiv);
    expect(LocalCalendar.for("Europe/Kyiv").timeZone).toBe("Europe/Kyiv");
  });
});
