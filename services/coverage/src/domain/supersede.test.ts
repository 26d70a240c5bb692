import { describe, expect, it } from "vitest";
import { censusKey, latestByKey, newer, oatKey } from "./supersede";

const oat = (seq: number, sourceId: string, localDate: string, action: string, at: string) => ({
  seq,
  sourceId,
  prisonId: "p1",
  clientToken: "c1",
  localDate,
  action,
  at,
});

describe("supersede: the newest report per key", () => {
  it("given an enrolment corrected to another time, then only the later report is kept", () => {
    const first = oat(1, "p1-health", "2026-03-31", "enrol", "19:00");
    const discharge = oat(2, "p1-health", "2026-03-31", "discharge", "18:00");
    const corrected = oat(3, "p1-health", "2026-03-31", "enrol", "17:00");
    for (const rows of [
      [first, discharge, corrected],
      [corrected, discharge, first],
      [discharge, corrected, first],
    ]) {
      const kept = latestByKey(rows, oatKey);
      expect(kept.map((r) => r.at).sort()).toEqual(["17:00", "18:00"]);
    }
  });

  it("given different keys (another day, event or client), then none supersedes another", () => {
    const rows = [
      oat(1, "s", "2026-03-31", "enrol", "a"),
      oat(2, "s", "2026-04-01", "enrol", "b"),
      oat(3, "s", "2026-03-31", "discharge", "c"),
      { ...oat(4, "s", "2026-03-31", "enrol", "d"), clientToken: "c2" },
    ];
    expect(latestByKey(rows, oatKey)).toHaveLength(4);
  });

  it("given an older report arriving after a newer one, then the newer one stays", () => {
    const a = { seq: 7, sourceId: "p1-census", prisonId: "p1", date: "2026-04-01", population: 130 };
    const b = { ...a, seq: 5, population: 100 };
    expect(latestByKey([a, b], censusKey)).toEqual([a]);
    expect(latestByKey([b, a], censusKey)).toEqual([a]);
  });

  it("given two sources with the same seq for one key, then the same one wins in either order", () => {
    const a = { seq: 4, sourceId: "p1-census", prisonId: "p1", date: "2026-04-01" };
    const b = { ...a, sourceId: "p1-reg" };
    expect(newer(b, a)).toBe(true);
    expect(newer(a, b)).toBe(false);
    expect(newer(a, a)).toBe(false);
    expect(latestByKey([a, b], censusKey)).toEqual([b]);
    expect(latestByKey([b, a], censusKey)).toEqual([b]);
  });
});
