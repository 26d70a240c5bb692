import { describe, expect, it } from "vitest";
import { InvalidDateError, InvalidInstantError, InvalidTimeZoneError } from "./errors";
import {
  dateAsWritten,
  isoInZone,
  isoWithOffset,
  localDate,
  localInstant,
  offsetMinutes,
  offsetOf,
  startOfLocalDay,
} from "./index";

// Zone facts as in calendar.test.ts (tz database rules, worked out by hand).
const at = (iso: string) => Date.parse(iso);

describe("localDate (ported from coverage's periods.test.ts)", () => {
  it("given instants at local midnight, when placed, then they open the new day", () => {
    expect(localDate("2026-01-14T22:00:00Z", "Europe/Chisinau")).toBe("2026-01-15"); // 00:00 +02:00
    expect(localDate("2026-01-14T21:59:59.999Z", "Europe/Chisinau")).toBe("2026-01-14");
    expect(localDate("2026-01-15T00:00:00Z", "America/Los_Angeles")).toBe("2026-01-14");
  });

  it("given the spring-forward night (Chisinau 2026-03-29, 02:00 → 03:00), when placed, then the 23-hour day keeps its events", () => {
    expect(localDate("2026-03-28T21:59:59Z", "Europe/Chisinau")).toBe("2026-03-28"); // 23:59:59 +02:00
    expect(localDate("2026-03-28T22:00:00Z", "Europe/Chisinau")).toBe("2026-03-29"); // 00:00 +02:00
    expect(localDate("2026-03-29T20:59:59Z", "Europe/Chisinau")).toBe("2026-03-29"); // 23:59:59 +03:00
    expect(localDate("2026-03-29T21:00:00Z", "Europe/Chisinau")).toBe("2026-03-30"); // 00:00 +03:00
  });

  it("given the fall-back night (Chisinau 2026-10-25, 03:00 → 02:00), when placed, then both passes of 02:30 and the 25-hour day's end stay on the 25th", () => {
    expect(localDate("2026-10-24T21:00:00Z", "Europe/Chisinau")).toBe("2026-10-25"); // 00:00 +03:00
    expect(localDate("2026-10-24T23:30:00Z", "Europe/Chisinau")).toBe("2026-10-25"); // 02:30 +03:00
    expect(localDate("2026-10-25T00:30:00Z", "Europe/Chisinau")).toBe("2026-10-25"); // 02:30 +02:00
    expect(localDate("2026-10-25T01:30:00Z", "Europe/Chisinau")).toBe("2026-10-25"); // 03:30 +02:00
    expect(localDate("2026-10-25T21:59:59Z", "Europe/Chisinau")).toBe("2026-10-25"); // 23:59:59 +02:00
    expect(localDate("2026-10-25T22:00:00Z", "Europe/Chisinau")).toBe("2026-10-26");
  });

  it("given an offset in the event time, when placed, then only the instant matters", () => {
    expect(localDate("2026-03-29T00:30:00+02:00", "Europe/Chisinau")).toBe("2026-03-29");
    expect(localDate("2026-03-28T22:30:00Z", "Europe/Chisinau")).toBe("2026-03-29");
    expect(localDate(at("2026-03-28T22:30:00Z"), "Europe/Chisinau")).toBe("2026-03-29");
  });

  it("given something that is not an instant or a zone, when placed, then a named RangeError", () => {
    expect(() => localDate("yesterday", "Europe/Chisinau")).toThrow(InvalidInstantError);
    expect(() => localDate(Number.NaN, "Europe/Chisinau")).toThrow(RangeError);
    expect(() => localDate(0, "Mars/Olympus")).toThrow(InvalidTimeZoneError);
  });
});

describe("offsets and ISO strings (stock's zone.ts and time.ts)", () => {
  it("given instants either side of a change, when asking the offset, then DST is included", () => {
    expect(offsetMinutes(at("2026-03-29T00:59:59Z"), "Europe/Kyiv")).toBe(120);
    expect(offsetMinutes(at("2026-03-29T01:00:00Z"), "Europe/Kyiv")).toBe(180);
    expect(offsetMinutes(at("2026-06-01T00:00:00Z"), "UTC")).toBe(0);
    expect(offsetMinutes(at("2026-06-01T00:00:00Z"), "America/St_Johns")).toBe(-150);
    expect(offsetMinutes(at("2026-06-01T00:00:00Z"), "Pacific/Kiritimati")).toBe(840);
  });

  it("given an instant, when written in a zone, then the zone's offset then is used, to the second", () => {
    expect(isoInZone(at("2026-03-29T00:59:59.500Z"), "Europe/Kyiv")).toBe("2026-03-29T02:59:59+02:00");
    expect(isoInZone(at("2026-03-29T01:00:00Z"), "Europe/Kyiv")).toBe("2026-03-29T04:00:00+03:00");
    expect(isoInZone(at("2026-01-15T12:00:00Z"), "America/St_Johns")).toBe("2026-01-15T08:30:00-03:30");
    expect(isoInZone(at("2026-07-15T00:00:00Z"), "Pacific/Chatham")).toBe("2026-07-15T12:45:00+12:45");
    expect(isoInZone(at("2026-06-01T12:00:00Z"), "UTC")).toBe("2026-06-01T12:00:00+00:00");
    expect(isoWithOffset(at("2026-03-02T06:00:00Z"), 120)).toBe("2026-03-02T08:00:00+02:00");
    expect(isoWithOffset(at("2026-03-02T06:00:00Z"), -330)).toBe("2026-03-02T00:30:00-05:30");
  });

  it("given ISO date-times, when reading their offset and date as written, then the string decides", () => {
    expect(offsetOf("2026-03-29T04:00:00+03:00")).toBe(180);
    expect(offsetOf("2026-01-15T08:30:00-03:30")).toBe(-210);
    expect(offsetOf("2026-01-15T08:30:00Z")).toBe(0);
    expect(dateAsWritten("2026-03-29T00:30:00+03:00")).toBe("2026-03-29");
    expect(dateAsWritten("2026-03-28T21:30:00Z")).toBe("2026-03-28");
  });

  it("given local days, when asking where they start, then midnight or the end of a gap at midnight", () => {
    expect(startOfLocalDay("2026-03-29", "Europe/Chisinau")).toBe("2026-03-29T00:00:00+02:00");
    expect(startOfLocalDay("2026-03-30", "Europe/Chisinau")).toBe("2026-03-30T00:00:00+03:00");
    expect(startOfLocalDay("2026-10-26", "Europe/Kyiv")).toBe("2026-10-26T00:00:00+02:00");
    expect(startOfLocalDay("2026-09-06", "America/Santiago")).toBe("2026-09-06T01:00:00-03:00");
    expect(startOfLocalDay("2027-01-01", "Pacific/Chatham")).toBe("2027-01-01T00:00:00+13:45");
    expect(() => startOfLocalDay("2026-02-30", "Europe/Kyiv")).toThrow(InvalidDateError);
  });
});

describe("localInstant (the CLI's imports)", () => {
  it("given a local time in summer, when resolved, then the summer offset is written (ported from oat.test.ts)", () => {
    // Chisinau is UTC+3 in summer.
    expect(localInstant("2025-07-01", { h: 7, m: 30, s: 0 }, "Europe/Chisinau")).toEqual({
      iso: "2025-07-01T07:30:00+03:00",
      ms: at("2025-07-01T04:30:00Z"),
    });
    expect(localInstant("2026-03-02", { h: 8, m: 0, s: 0 }, "Europe/Chisinau").iso).toBe(
      "2026-03-02T08:00:00+02:00",
    );
    expect(localInstant("2026-03-09", { h: 8, m: 0, s: 0 }, "Pacific/Kiritimati").iso).toBe(
      "2026-03-09T08:00:00+14:00",
    );
  });

  it("given a wall time a DST change skips, when resolved, then the offset before the change applies", () => {
    expect(localInstant("2026-03-29", { h: 3, m: 30, s: 0 }, "Europe/Kyiv")).toEqual({
      iso: "2026-03-29T04:30:00+03:00",
      ms: at("2026-03-29T01:30:00Z"),
    });
    expect(localInstant("2026-03-29", { h: 2, m: 30, s: 0 }, "Europe/Chisinau").ms).toBe(
      at("2026-03-29T00:30:00Z"),
    );
    // West of UTC too: 02:30 on New York's spring night at -05:00 (before) is 07:30Z, 03:30 EDT.
    expect(localInstant("2026-03-08", { h: 2, m: 30, s: 0 }, "America/New_York")).toEqual({
      iso: "2026-03-08T03:30:00-04:00",
      ms: at("2026-03-08T07:30:00Z"),
    });
  });

  it("given a wall time a DST change repeats, when resolved, then the offset before the change (the earlier pass) applies", () => {
    expect(localInstant("2026-10-25", { h: 3, m: 30, s: 0 }, "Europe/Kyiv")).toEqual({
      iso: "2026-10-25T03:30:00+03:00",
      ms: at("2026-10-25T00:30:00Z"),
    });
    expect(localInstant("2026-11-01", { h: 1, m: 30, s: 0 }, "America/New_York")).toEqual({
      iso: "2026-11-01T01:30:00-04:00",
      ms: at("2026-11-01T05:30:00Z"),
    });
  });
});
