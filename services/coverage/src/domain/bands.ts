/**
 * WHO coverage bands (docs/domain.md §Coverage definitions).
 * Syringes per PWID per year (WHO/UNODC/UNAIDS technical guide): low < 100, medium 100–200,
 * high > 200; WHO hepatitis strategy targets 200 by 2020 and 300 by 2030.
 * OAT reach % (WHO): low < 20, moderate 20–39, high ≥ 40; UNAIDS target 50.
 */
export type SyringeBand = "low" | "medium" | "high";
export type OatBand = "low" | "moderate" | "high";

export const SYRINGE_BANDS = { mediumFrom: 100, highAbove: 200, targets: { 2020: 200, 2030: 300 } } as const;
export const OAT_BANDS = { moderateFrom: 20, highFrom: 40, unaidsTarget: 50 } as const;

export function syringeBand(perPwidYear: number): SyringeBand {
  if (perPwidYear < SYRINGE_BANDS.mediumFrom) return "low";
  return perPwidYear > SYRINGE_BANDS.highAbove ? "high" : "medium";
}

/** "moderate 20–39" is read as [20, 40): 39.5 % is moderate, 40 % is high. */
export function oatBand(reachPct: number): OatBand {
  if (reachPct < OAT_BANDS.moderateFrom) return "low";
  return reachPct < OAT_BANDS.highFrom ? "moderate" : "high";
}
