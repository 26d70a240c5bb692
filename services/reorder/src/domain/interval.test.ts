import { describe, expect, it } from "vitest";
import { intersectIntervals, mergeIntervals, overlapMs } from "./interval";

describe("intervals", () => {
  it("given overlapping, touching and empty intervals, when merging, then they become sorted disjoint spans", () => {
    expect(
      mergeIntervals([
        { from: 50, to: 60 },
        { from: 0, to: 10 },
        { from: 10, to: 20 },
        { from: 15, to: 18 },
        { from: 30, to: 30 },
      ]),
    ).toEqual([
      { from: 0, to: 20 },
      { from: 50, to: 60 },
    ]);
  });

  it("given two slots' stockouts, when intersecting, then only the time both were out remains", () => {
    const s1 = [{ from: 0, to: 50 }];
    const s2 = [
      { from: 10, to: 20 },
      { from: 40, to: 70 },
    ];
    expect(intersectIntervals([s1, s2])).toEqual([
      { from: 10, to: 20 },
      { from: 40, to: 50 },
    ]);
    expect(intersectIntervals([s1, []])).toEqual([]);
    expect(intersectIntervals([])).toEqual([]);
  });

  it("given intervals, when measuring their overlap with a window, then only the part inside counts", () => {
    expect(
      overlapMs(
        [
          { from: 0, to: 50 },
          { from: 80, to: 120 },
        ],
        { from: 40, to: 100 },
      ),
    ).toBe(30);
  });
});
