import { describe, expect, it } from "vitest";
import { alertInLocalTime } from "./alerts";

// As the stock service stores it (instants in UTC), raised before and acknowledged after Moldova's
// clocks moved forward (29 March 2026, 00:00 UTC).
const alert = {
  id: "md-p13-m1/s1/stockout/2026-03-28T23:30:00+02:00",
  prisonId: "md-p13",
  raisedAt: "2026-03-28T21:30:00.000Z",
  acknowledgedAt: "2026-03-29T06:15:09.000Z",
  clearedAt: null,
  remindedAt: null,
};

describe("an alert's times (alerts list, alerts ack)", () => {
  it("given its prison's time zone, then every time local with the offset of that instant", () => {
    expect(alertInLocalTime(alert, "Europe/Chisinau", "second")).toEqual({
      ...alert,
      raisedAt: "2026-03-28T23:30:00+02:00",
      acknowledgedAt: "2026-03-29T09:15:09+03:00",
      clearedAt: null,
      remindedAt: null,
      timeZone: "Europe/Chisinau",
    });
    expect(alertInLocalTime(alert, "Europe/Chisinau", "minute").raisedAt).toBe("2026-03-28T23:30+02:00");
  });

  it("given no known time zone, then UTC with Z, and timeZone null", () => {
    const a = alertInLocalTime(alert, undefined, "second");
    expect(a.raisedAt).toBe("2026-03-28T21:30:00Z");
    expect(a.acknowledgedAt).toBe("2026-03-29T06:15:09Z");
    expect(a.timeZone).toBeNull();
  });
});
