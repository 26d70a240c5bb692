import { beforeAll, describe, expect, it } from "vitest";
import { type LpSolver, suppress } from "./domain";
import { loadSolver } from "./highs";
import { yearMemo } from "./memo";
import { quarterFigures } from "./quarter-figures";

let solver: LpSolver;
beforeAll(async () => {
  solver = await loadSolver();
});

const quarter = quarterFigures;
const hiddenCells = (r: ReturnType<typeof suppress>) =>
  Object.fromEntries([...r.cells].map(([k, set]) => [k, [...set].sort()]));

describe("the publisher's memory of each year's pattern", () => {
  it("given the same figures again, then no year is solved again and the pattern is the one computed afresh", () => {
    const figures = [...quarter(2026, [3, 30, 12]), ...quarter(2027, [2, 40, 9])];
    const fresh = suppress(solver, figures, () => 5);
    const memo = yearMemo();
    const first = suppress(solver, figures, () => 5, memo);
    expect(first.stats.lps).toBeGreaterThan(0);
    const again = suppress(solver, figures, () => 5, memo);
    expect(again.stats.lps).toBe(0);
    expect(hiddenCells(again)).toEqual(hiddenCells(fresh));
  });

  it("given one year's figures or the threshold changed, then that year is solved again and every pattern equals the one computed afresh", () => {
    const memo = yearMemo();
    const before = [...quarter(2026, [3, 30, 12]), ...quarter(2027, [2, 40, 9])];
    suppress(solver, before, () => 5, memo);
    const after = [...quarter(2026, [3, 30, 12]), ...quarter(2027, [2, 40, 1])];
    const changed = suppress(solver, after, () => 5, memo);
    // Only 2027's cells are counted: 2026 came from the memo.
    expect(changed.stats.cells).toBe(suppress(solver, quarter(2027, [2, 40, 1]), () => 5).stats.cells);
    expect(hiddenCells(changed)).toEqual(hiddenCells(suppress(solver, after, () => 5)));
    const stricter = suppress(solver, after, () => 10, memo);
    expect(stricter.stats.cells).toBe(suppress(solver, after, () => 10).stats.cells);
    expect(hiddenCells(stricter)).toEqual(hiddenCells(suppress(solver, after, () => 10)));
  });
});
