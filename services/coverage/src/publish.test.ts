import { beforeAll, describe, expect, it } from "vitest";
import { type Figure, type LpSolver, PROGRAMME, prisonFigure, programmeFigure, suppress } from "./domain";
import { loadSolver } from "./highs";
import { yearMemo } from "./memo";

let solver: LpSolver;
beforeAll(async () => {
  solver = await loadSolver();
});

const est = {
  estimateId: 1,
  effectiveFrom: "2020-01-01",
  injectingPrevalence: 0.2,
  opioidDependencePrevalence: 0.1,
  source: "t",
};
/** One quarter of `year`: prisons with small counts (so each year has primaries) and their programme total. */
function quarter(year: number, oat: number[]): Figure[] {
  const period = { grain: "quarter", periodStart: `${year}-01-01`, periodEnd: `${year}-03-31` } as const;
  const base = (scope: string, oatActiveEnd: number) => ({
    scope,
    ...period,
    daysObserved: 90,
    avgPopulation: 500,
    admissions: 100,
    releases: 90,
    nspClients: 40,
    nspNew: 10,
    nspRegular: 20,
    syringeKits: 300,
    syringes: 3000,
    naloxoneKits: 20,
    oatActiveEnd,
  });
  const ps = oat.map((n, i) => prisonFigure(base(`p${i}`, n), est));
  return [
    ...ps,
    programmeFigure(
      base(
        PROGRAMME,
        oat.reduce((a, n) => a + n, 0),
      ),
      ps,
    ),
  ];
}
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
