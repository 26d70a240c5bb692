/**
 * The hrvend figures a DHIS2 mapping can send, with the WHO indicator each one reports (README,
 * "DHIS2 and scheduled exports"). Codes: WHO SMART Guidelines – HIV (smart.who.int/hiv,
 * Measures HIV.IND.8, .9, .11), whose CQL libraries give each measure's reference number in
 * WHO's Consolidated HIV strategic information guidelines (PRV.8, PRV.9, PRV.11); syringes per
 * PWID per year is the WHO/UNODC/UNAIDS Technical guide's needle–syringe distribution indicator
 * (2012 revision; bands < 100, 100–200, > 200). Naloxone has no WHO SMART HIV indicator.
 */
export const DHIS2_FIGURES = {
  nsp_clients: {
    column: "nspClients",
    kind: "count",
    indicator: "HIV.IND.8 / PRV.8 numerator",
    label: "NSP clients: people who got ≥ 1 syringe kit in the period",
  },
  nsp_reach_pct: {
    column: "nspReachPct",
    kind: "rate",
    indicator: "HIV.IND.8 / PRV.8 (NSP coverage)",
    label: "NSP reach %: NSP clients / estimated people who inject drugs",
  },
  nsp_regular: {
    column: "nspRegular",
    kind: "count",
    indicator: "HIV.IND.9 / PRV.9 numerator",
    label: "Regular NSP clients: got syringes in every 30-day window of the period",
  },
  regular_access_pct: {
    column: "regularPct",
    kind: "rate",
    indicator: "HIV.IND.9 / PRV.9 (regular NSP access), share of NSP clients",
    label: "Regular access %: regular clients / NSP clients",
  },
  syringes: {
    column: "syringes",
    kind: "count",
    indicator: "needle–syringe distribution numerator",
    label: "Syringes distributed",
  },
  syringes_per_pwid_year: {
    column: "syringesPerPwidYear",
    kind: "rate",
    indicator: "needle–syringe distribution (WHO/UNODC/UNAIDS technical guide)",
    label: "Syringes per person who injects drugs per year",
  },
  naloxone_kits: {
    column: "naloxoneKits",
    kind: "count",
    indicator: "hrvend (no WHO SMART HIV code)",
    label: "Naloxone kits distributed",
  },
  naloxone_per_100_prisoners: {
    column: "naloxonePer100Prisoners",
    kind: "rate",
    indicator: "hrvend (no WHO SMART HIV code)",
    label: "Naloxone kits per 100 prisoners (average population)",
  },
  naloxone_per_100_releases: {
    column: "naloxonePer100Releases",
    kind: "rate",
    indicator: "hrvend (no WHO SMART HIV code)",
    label: "Naloxone kits per 100 releases",
  },
  oat_clients: {
    column: "oatActiveEnd",
    kind: "count",
    indicator: "HIV.IND.11 / PRV.11 numerator",
    label: "People on OAT at the end of the period",
  },
  oat_reach_pct: {
    column: "oatReachPct",
    kind: "rate",
    indicator: "HIV.IND.11 / PRV.11 (OAMT coverage)",
    label: "OAT reach %: people on OAT / estimated opioid-dependent people",
  },
  est_pwid: {
    column: "estPwid",
    kind: "rate",
    indicator: "HIV.IND.8, .9 denominator (estimate)",
    label: "Estimated people who inject drugs",
  },
  est_opioid_dependent: {
    column: "estOpioidDependent",
    kind: "rate",
    indicator: "HIV.IND.11 denominator (estimate)",
    label: "Estimated opioid-dependent people",
  },
} as const;

export type FigureKey = keyof typeof DHIS2_FIGURES;
export type FigureColumn = (typeof DHIS2_FIGURES)[FigureKey]["column"];
export const FIGURE_KEYS = Object.keys(DHIS2_FIGURES) as FigureKey[];

/** Decimals sent for rates and estimates (counts are integers). */
export const RATE_DECIMALS = 2;

/** DHIS2 stores values as text: integers for counts, rates rounded to RATE_DECIMALS without trailing zeros. */
export function formatValue(key: FigureKey, value: number): string {
  if (DHIS2_FIGURES[key].kind === "count") return String(Math.round(value));
  return String(Number(value.toFixed(RATE_DECIMALS)));
}
