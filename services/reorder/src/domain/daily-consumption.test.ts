import { describe, expect, it } from "vitest";
import { dailyConsumption } from "./daily-consumption";
import { demandWindow } from "./demand-window";

const at = (iso: string) => Date.parse(iso);
// Kyiv moves to summer time on Sunday 2026-03-29 at 03:00 → 04:00 (01:00Z): that day has 23 hours.
const now = at("2026-03-31T09:00:00Z");
const window = demandWindow("Europe/Kyiv", now, 3);

describe("dailyConsumption", () => {
  it("given a window ending before today, when built, then it spans whole local days", () => {
    expect(window).toEqual({
      timeZone: "Europe/Kyiv",
      from: "2026-03-28",
      days: 3,
      start: at("2026-03-27T22:00:00Z"),
      end: at("2026-03-30T21:00:00Z"),
    });
  });

  it("given dispenses around midnight across the DST change, when bucketing, then each lands on its local day", () => {
    const days = dailyConsumption({
      window,
      dispenses: [
        { at: at("2026-03-28T21:30:00Z"), quantity: 1 }, // 23:30 EET on the 28th
        { at: at("2026-03-28T22:30:00Z"), quantity: 1 }, // 00:30 EET on the 29th
        { at: at("2026-03-29T20:30:00Z"), quantity: 1 }, // 23:30 EEST on the 29th
        { at: at("2026-03-29T21:30:00Z"), quantity: 2 }, // 00:30 EEST on the 30th (a fixed +02 would say the 29th)
        { at: at("2026-03-30T21:30:00Z"), quantity: 5 }, // today: outside the window
        { at: at("2026-03-27T21:59:59Z"), quantity: 5 }, // the 27th: outside
      ],
      stockouts: [],
    });
    expect(days.map((d) => [d.date, d.weekday, d.consumed])).toEqual([
      ["2026-03-28", 5, 1],
      ["2026-03-29", 6, 2],
      ["2026-03-30", 0, 2],
    ]);
  });

  it("given a stockout over the whole 23-hour day, when bucketing, then X is exactly 1 for it and 0 around it", () => {
    const days = dailyConsumption({
      window,
      dispenses: [],
      stockouts: [{ from: at("2026-03-28T22:00:00Z"), to: at("2026-03-29T21:00:00Z") }],
    });
    expect(days.map((d) => d.stockoutDays)).toEqual([0, 1, 0]);
  });

  it("given a stockout from local noon to local noon across the change, when bucketing, then 12 of 23 h and 12 of 24 h", () => {
    const days = dailyConsumption({
      window,
      dispenses: [],
      stockouts: [{ from: at("2026-03-29T09:00:00Z"), to: at("2026-03-30T09:00:00Z") }],
    });
    expect(days[0]!.stockoutDays).toBe(0);
    expect(days[1]!.stockoutDays).toBeCloseTo(12 / 23, 12);
    expect(days[2]!.stockoutDays).toBe(0.5);
  });

  it("given the autumn change, when a stockout covers 12.5 local hours of the 25-hour day, then X = 0.5", () => {
    const w = demandWindow("Europe/Kyiv", at("2026-10-26T12:00:00Z"), 1);
    expect(w.from).toBe("2026-10-25");
    const start = w.start;
    const days = dailyConsumption({
      window: w,
      dispenses: [],
      stockouts: [{ from: start, to: start + 12.5 * 3_600_000 }],
    });
    expect(days[0]!.stockoutDays).toBe(0.5);
  });
});
