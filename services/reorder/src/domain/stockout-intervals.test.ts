import { describe, expect, it } from "vitest";
import { stockoutIntervals } from "./stockout-intervals";

const window = { from: 0, to: 100 };

describe("stockoutIntervals", () => {
  it("given level changes, when the level hits 0 and comes back, then those spans are stockouts", () => {
    const out = stockoutIntervals(
      {
        kind: "levels",
        levelAtStart: 2,
        changes: [
          { at: 50, level: 0 },
          { at: 10, level: 1 },
          { at: 20, level: 0 },
          { at: 30, level: 5 },
        ],
      },
      window,
    );
    expect(out).toEqual([
      { from: 20, to: 30 },
      { from: 50, to: 100 },
    ]);
  });

  it("given a change before the window to 0, when the window starts, then the slot is out from its start", () => {
    const out = stockoutIntervals(
      {
        kind: "levels",
        levelAtStart: 9,
        changes: [
          { at: -5, level: 0 },
          { at: 40, level: 3 },
          { at: 130, level: 0 },
        ],
      },
      window,
    );
    expect(out).toEqual([{ from: 0, to: 40 }]);
  });

  it("given changes in one millisecond out of order, when seq is known, then seq decides the last level", () => {
    const out = stockoutIntervals(
      {
        kind: "levels",
        levelAtStart: 1,
        changes: [
          { at: 60, level: 4, seq: 8 },
          { at: 60, level: 0, seq: 7 },
        ],
      },
      window,
    );
    expect(out).toEqual([]);
  });

  it("given stockout intervals, when some lie partly outside the window, then they are clipped and merged", () => {
    const out = stockoutIntervals(
      {
        kind: "intervals",
        stockouts: [
          { from: -20, to: 10 },
          { from: 5, to: 15 },
          { from: 90, to: 200 },
        ],
      },
      window,
    );
    expect(out).toEqual([
      { from: 0, to: 15 },
      { from: 90, to: 100 },
    ]);
  });
});
