import { describe, expect, it } from "vitest";
import { quietUntil } from "./quiet-hours";

const night = { from: "22:00", to: "07:00" };
const at = (iso: string) => Date.parse(iso);

describe("quietUntil (prison's time zone)", () => {
  it("given an overnight window, when it is 23:30 local, then quiet lasts until 07:00 the next local day", () => {
    // Chisinau is UTC+2 in January: 23:30 local = 21:30Z; 07:00 local next day = 05:00Z.
    expect(quietUntil(at("2026-01-14T21:30:00Z"), night, "Europe/Chisinau")).toBe(at("2026-01-15T05:00:00Z"));
  });
  it("given an overnight window, when it is 03:00 local, then quiet lasts until 07:00 the same day", () => {
    expect(quietUntil(at("2026-01-15T01:00:00Z"), night, "Europe/Chisinau")).toBe(at("2026-01-15T05:00:00Z"));
  });
  it("is not quiet at the end instant or during the day; quiet from the start instant", () => {
    expect(quietUntil(at("2026-01-15T05:00:00Z"), night, "Europe/Chisinau")).toBeUndefined();
    expect(quietUntil(at("2026-01-15T10:00:00Z"), night, "Europe/Chisinau")).toBeUndefined();
    expect(quietUntil(at("2026-01-15T20:00:00Z"), night, "Europe/Chisinau")).toBe(at("2026-01-16T05:00:00Z"));
  });
  it("given a daytime window (12:00–14:00), the end is the same day", () => {
    const lunch = { from: "12:00", to: "14:00" };
    expect(quietUntil(at("2026-01-15T10:30:00Z"), lunch, "Europe/Chisinau")).toBe(at("2026-01-15T12:00:00Z"));
    expect(quietUntil(at("2026-01-15T12:00:00Z"), lunch, "Europe/Chisinau")).toBeUndefined();
  });
  it("across the spring DST change (Chisinau, 29 March 2026 03:00 → 04:00) the night is an hour shorter", () => {
    // 22:00 on 28 March is UTC+2 (20:00Z); 07:00 on 29 March is UTC+3 (04:00Z): 8 hours, not 9.
    const start = at("2026-03-28T20:00:00Z");
    const end = quietUntil(start, night, "Europe/Chisinau");
    expect(end).toBe(at("2026-03-29T04:00:00Z"));
    expect(((end as number) - start) / 3_600_000).toBe(8);
  });
  it("across the autumn DST change (25 October 2026 04:00 → 03:00) the night is an hour longer", () => {
    const start = at("2026-10-24T19:00:00Z"); // 22:00 UTC+3
    const end = quietUntil(start, night, "Europe/Chisinau");
    expect(end).toBe(at("2026-10-25T05:00:00Z")); // 07:00 UTC+2
    expect(((end as number) - start) / 3_600_000).toBe(10);
  });
  it("an end time skipped by the spring gap (02:30 on 29 March: 02:00 → 03:00) resolves to just after the gap", () => {
    const q = { from: "01:00", to: "02:30" };
    // 01:30 local (UTC+2) = 23:30Z; the gap ends at 03:00 local (UTC+3) = 00:00Z, and 02:30 taken
    // with the offset before the gap is 03:30 summer time = 00:30Z.
    const end = quietUntil(at("2026-03-28T23:30:00Z"), q, "Europe/Chisinau") as number;
    expect(end).toBeGreaterThanOrEqual(at("2026-03-29T00:00:00Z"));
    expect(end).toBeLessThanOrEqual(at("2026-03-29T00:30:00Z"));
  });
});
