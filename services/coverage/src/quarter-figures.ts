import { type Figure, PROGRAMME, prisonFigure, programmeFigure } from "./domain";

const est = {
  estimateId: 1,
  effectiveFrom: "2020-01-01",
  injectingPrevalence: 0.2,
  opioidDependencePrevalence: 0.1,
  source: "t",
};

/**
 * Tests' figures: the first quarter of `year` for prisons `p0…` with these OAT counts (small ones
 * make primaries to suppress) and their programme total; every other count is the same large value.
 */
export function quarterFigures(year: number, oat: number[]): Figure[] {
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
