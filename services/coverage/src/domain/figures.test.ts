import { describe, expect, it } from "vitest";
import { type PeriodCounts, PROGRAMME, prisonFigure, programmeFigure } from "./figures";

const base: PeriodCounts = {
  scope: "p",
  grain: "quarter",
  periodStart: "2026-01-01",
  periodEnd: "2026-03-31",
  daysObserved: 90,
  avgPopulation: 1000,
  admissions: 300,
  releases: 300,
  nspClients: 150,
  nspNew: 120,
  nspRegular: 60,
  syringeKits: 900,
  syringes: 9000,
  naloxoneKits: 45,
  oatActiveEnd: 52,
};
const est = {
  estimateId: 7,
  effectiveFrom: "2026-01-01",
  injectingPrevalence: 0.19,
  opioidDependencePrevalence: 0.13,
  source: "survey",
};

describe("figures (docs/domain.md §Coverage definitions)", () => {
  it("given a prison quarter, when derived, then PWID, reach, regular access, syringes per PWID per year, naloxone and OAT reach follow the definitions", () => {
    const f = prisonFigure(base, est);
    expect(f.estPwid).toBeCloseTo(190, 9);
    expect(f.estOpioidDependent).toBeCloseTo(130, 9);
    expect(f.nspReachPct).toBeCloseTo((100 * 150) / 190, 9);
    expect(f.regularPct).toBeCloseTo(40, 9);
    expect(f.nspReturning).toBe(30);
    expect(f.syringesPerPwidYear).toBeCloseTo((9000 / 190) * (365 / 90), 9);
    expect(f.syringeBand).toBe("medium");
    expect(f.naloxonePer100Prisoners).toBeCloseTo(4.5, 9);
    expect(f.naloxonePer100Releases).toBeCloseTo(15, 9);
    expect(f.oatReachPct).toBeCloseTo(40, 9);
    expect(f.oatBand).toBe("high");
    expect(f.estimateId).toBe(7);
    expect(f.estimateSource).toBe("survey");
  });

  it("given no census in the period or no estimate, when derived, then rates are absent rather than invented", () => {
    const f = prisonFigure({ ...base, avgPopulation: null, daysObserved: 0 }, est);
    expect([
      f.estPwid,
      f.nspReachPct,
      f.syringesPerPwidYear,
      f.oatReachPct,
      f.naloxonePer100Prisoners,
    ]).toEqual([null, null, null, null, null]);
    expect(prisonFigure(base, null).nspReachPct).toBeNull();
    expect(prisonFigure({ ...base, releases: 0 }, est).naloxonePer100Releases).toBeNull();
  });

  it("given two prisons, when the programme is derived, then its PWID is the sum of theirs and its reach uses its own distinct clients", () => {
    const a = prisonFigure(base, est);
    const b = prisonFigure({ ...base, scope: "q", avgPopulation: 500 }, { ...est, injectingPrevalence: 0.1 });
    const t = programmeFigure({ ...base, scope: PROGRAMME, nspClients: 280, avgPopulation: 1500 }, [a, b]);
    expect(t.estPwid).toBeCloseTo(240, 9);
    expect(t.nspReachPct).toBeCloseTo((100 * 280) / 240, 9);
    expect(t.estimateSource).toBeNull();
  });
});
