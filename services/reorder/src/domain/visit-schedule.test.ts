import { describe, expect, it } from "vitest";
import { InvalidParameterError } from "./errors";
import { nextVisit, type VisitSchedule, visitOn, visitTime } from "./visit-schedule";

const at = (iso: string) => Date.parse(iso);
// The `small` scenario's North prison: from Monday 2026-03-23, first visit on day 2, every 7 days at 10:00.
const north: VisitSchedule = {
  timeZone: "Europe/Chisinau",
  anchorDate: "2026-03-23",
  firstVisitDay: 2,
  intervalDays: 7,
  hour: 10,
};

describe("visit schedule", () => {
  it("given a weekly schedule across the DST change, then visits stay at 10:00 local", () => {
    expect(visitTime(north, 0)).toBe(at("2026-03-25T08:00:00Z")); // +02:00
    expect(visitTime(north, 1)).toBe(at("2026-04-01T07:00:00Z")); // +03:00
  });

  it("given now between visits, then the next visit is the following one", () => {
    expect(nextVisit(north, at("2026-03-26T00:00:00Z"))).toBe(at("2026-04-01T07:00:00Z"));
  });

  it("given now before the first visit or exactly at a visit, then that visit", () => {
    expect(nextVisit(north, at("2026-03-01T00:00:00Z"))).toBe(at("2026-03-25T08:00:00Z"));
    expect(nextVisit(north, at("2026-04-01T07:00:00Z"))).toBe(at("2026-04-01T07:00:00Z"));
    expect(nextVisit(north, at("2026-04-01T07:00:00.001Z"))).toBe(at("2026-04-08T07:00:00Z"));
  });

  it("given a date months later after the autumn change, then the right Wednesday at 10:00 +02:00", () => {
    expect(nextVisit(north, at("2026-11-01T00:00:00Z"))).toBe(at("2026-11-04T08:00:00Z"));
    expect(
      nextVisit({ ...north, intervalDays: 10, firstVisitDay: 4, hour: 11 }, at("2026-05-01T00:00:00Z")),
    ).toBe(at("2026-05-06T08:00:00Z"));
  });

  it("given a date, then the visit that day is at the schedule's local hour", () => {
    expect(visitOn(north, "2026-04-02")).toBe(at("2026-04-02T07:00:00Z"));
  });

  it("given a schedule without interval, then a named error", () => {
    expect(() => nextVisit({ ...north, intervalDays: 0 }, 0)).toThrow(InvalidParameterError);
    expect(() => visitOn({ ...north, hour: 24 }, "2026-04-02")).toThrow(InvalidParameterError);
  });
});
