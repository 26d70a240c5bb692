import { describe, expect, it } from "vitest";
import { LocalClock } from "./local-clock";

describe("LocalClock", () => {
  const chisinau = new LocalClock("Europe/Chisinau");

  it("formats device time with the local offset, before and after the DST change", () => {
    expect(chisinau.iso(Date.parse("2026-01-05T06:13:22.123Z"))).toBe("2026-01-05T08:13:22.123+02:00");
    expect(chisinau.iso(Date.parse("2026-04-01T06:00:00Z"))).toBe("2026-04-01T09:00:00.000+03:00");
  });

  it("gives local dates, hours of the week (Monday 0) and next local midnight", () => {
    const t = Date.parse("2026-01-04T22:30:00Z"); // Monday 00:30 in Chisinau
    expect(chisinau.localDate(t)).toBe("2026-01-05");
    expect(chisinau.hourOfWeek(t)).toBe(0);
    expect(chisinau.hourOfDay(t)).toBeCloseTo(0.5);
    expect(new Date(chisinau.nextMidnight(t)).toISOString()).toBe("2026-01-05T22:00:00.000Z");
  });

  it("given a day with a DST change, when finding local times after it, then the new offset applies", () => {
    const sat = Date.parse("2026-03-28T12:00:00Z");
    expect(new Date(chisinau.nextMidnight(sat)).toISOString()).toBe("2026-03-28T22:00:00.000Z");
    const sun = chisinau.nextMidnight(sat);
    expect(new Date(chisinau.nextMidnight(sun)).toISOString()).toBe("2026-03-29T21:00:00.000Z");
    expect(new Date(chisinau.atLocalTime(sat, 24 + 24 + 10)).toISOString()).toBe("2026-03-30T07:00:00.000Z");
  });

  it("handles zones west of UTC and with half-hour offsets", () => {
    expect(new LocalClock("America/Chicago").iso(Date.parse("2026-01-05T12:00:00Z"))).toBe(
      "2026-01-05T06:00:00.000-06:00",
    );
    expect(new LocalClock("Asia/Kolkata").iso(Date.parse("2026-01-05T12:00:00Z"))).toBe(
      "2026-01-05T17:30:00.000+05:30",
    );
  });
});
