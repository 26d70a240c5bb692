import { type OatBand, oatBand, type SyringeBand, syringeBand } from "./bands";
import type { Grain } from "./periods";

/** Scope of the whole programme (every prison); prison ids cannot contain `*` (schemas Id). */
export const PROGRAMME = "*";

/** What the stream gives for one scope and period (all exact; unsuppressed). */
export interface PeriodCounts {
  scope: string;
  grain: Grain;
  periodStart: string;
  periodEnd: string;
  /** Local days of the period with a census report: the days the averages and annualisation use. */
  daysObserved: number;
  /** Mean census population over those days (programme: the sum of the prisons' means). */
  avgPopulation: number | null;
  admissions: number;
  releases: number;
  nspClients: number;
  nspNew: number;
  /** Clients seen in every 30-day window; null when the period has no window (day, week). */
  nspRegular: number | null;
  syringeKits: number;
  syringes: number;
  naloxoneKits: number;
  oatActiveEnd: number;
}

/** A prevalence estimate in force for a period, and where it came from. */
export interface Estimate {
  /** Row id in coverage.estimate; null when the registry's ref_prison value was used. */
  estimateId: number | null;
  effectiveFrom: string | null;
  injectingPrevalence: number;
  opioidDependencePrevalence: number;
  source: string;
}

export interface Figure extends PeriodCounts {
  nspReturning: number;
  estimateId: number | null;
  estimateSource: string | null;
  injectingPrevalence: number | null;
  opioidDependencePrevalence: number | null;
  estPwid: number | null;
  estOpioidDependent: number | null;
  nspReachPct: number | null;
  regularPct: number | null;
  syringesPerPwidYear: number | null;
  syringeBand: SyringeBand | null;
  naloxonePer100Prisoners: number | null;
  naloxonePer100Releases: number | null;
  oatReachPct: number | null;
  oatBand: OatBand | null;
}

const ratio = (num: number, den: number | null, scale = 100): number | null =>
  den === null || den <= 0 ? null : (scale * num) / den;

/**
 * One prison's figures for a period (docs/domain.md §Coverage definitions, followed literally):
 * - estimated PWID = average population × injecting prevalence; opioid-dependent likewise;
 * - NSP reach % = NSP active clients / estimated PWID (WHO SMART HIV.IND.8);
 * - regular access % = clients seen in every 30-day window / clients (HIV.IND.9);
 * - syringes per PWID per year = syringes / estimated PWID × 365 / days in period, where the
 *   days in period are the observed (census) days, so a period the programme only partly ran in
 *   is not diluted by days it has no population for;
 * - naloxone kits per 100 prisoners (average population) and per 100 releases;
 * - OAT reach % = clients active on OAT at the end of the period / estimated opioid-dependent.
 */
export function prisonFigure(c: PeriodCounts, estimate: Estimate | null): Figure {
  const pwid = estimate && c.avgPopulation !== null ? c.avgPopulation * estimate.injectingPrevalence : null;
  const opioid =
    estimate && c.avgPopulation !== null ? c.avgPopulation * estimate.opioidDependencePrevalence : null;
  return derive(c, pwid, opioid, estimate);
}

/** The programme's figures: its own exact counts, with PWID and opioid-dependent summed over its prisons. */
export function programmeFigure(c: PeriodCounts, prisons: readonly Figure[]): Figure {
  const sum = (xs: (number | null)[]) =>
    xs.length === 0 || xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0);
  return derive(c, sum(prisons.map((p) => p.estPwid)), sum(prisons.map((p) => p.estOpioidDependent)), null);
}

function derive(c: PeriodCounts, pwid: number | null, opioid: number | null, e: Estimate | null): Figure {
  const perYear =
    pwid !== null && pwid > 0 && c.daysObserved > 0 ? (c.syringes / pwid) * (365 / c.daysObserved) : null;
  const oatReach = ratio(c.oatActiveEnd, opioid);
  return {
    ...c,
    nspReturning: c.nspClients - c.nspNew,
    estimateId: e?.estimateId ?? null,
    estimateSource: e?.source ?? null,
    injectingPrevalence: e?.injectingPrevalence ?? null,
    opioidDependencePrevalence: e?.opioidDependencePrevalence ?? null,
    estPwid: pwid,
    estOpioidDependent: opioid,
    nspReachPct: ratio(c.nspClients, pwid),
    regularPct: c.nspRegular === null ? null : ratio(c.nspRegular, c.nspClients),
    syringesPerPwidYear: perYear,
    syringeBand: perYear === null ? null : syringeBand(perYear),
    naloxonePer100Prisoners: ratio(c.naloxoneKits, c.avgPopulation),
    naloxonePer100Releases: ratio(c.naloxoneKits, c.releases),
    oatReachPct: oatReach,
    oatBand: oatReach === null ? null : oatBand(oatReach),
  };
}
