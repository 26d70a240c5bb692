import type { DashboardSpec, PanelSpec, SpecialValues, VariableSpec } from "../model";
import { bargauge, percentScale, stat, table, timeseries } from "../panels";
import { type Query, select, timeFrom, timeTo } from "../sql";
import { prisonFilter } from "./variables";

/**
 * Funders read only the protected publication in schema `funder` (migrations 0005, 0011):
 * quarters and years, hidden values NULL there and named in `suppressed`. Every panel here returns
 * NULL for a hidden value and NaN for an undefined one, and Grafana's special-value mappings (the
 * preview follows them) show the one symbol "[c]" (services/coverage, HIDDEN) and "–" (UNDEFINED):
 * never an empty cell, never a gap that could be either. WHO
 * bands (docs/domain.md): syringes per PWID per year low < 100, medium 100–200, high > 200; OAT reach
 * low < 20 %, moderate 20–39 %, high ≥ 40 %.
 */
const PROGRAMME = "'*'";

const prisonVar: VariableSpec = {
  name: "prison",
  label: "Prison",
  query: select({ __value: "prison_id", __text: "max(coalesce(prison_name, prison_id))" })
    .from("funder.coverage")
    .where(`prison_id <> ${PROGRAMME}`)
    .groupBy("prison_id")
    .orderBy("2")
    .build(),
};

/** Periods of a grain overlapping the time range, with at least one observed day. */
const inRange = (grain: string) => [
  `grain = '${grain}'`,
  "days_observed > 0",
  `period_end >= (${timeFrom})::date`,
  `period_start <= (${timeTo})::date`,
];
const prisonsOrProgramme = `(${prisonFilter} OR prison_id = ${PROGRAMME})`;

/** The WHO bands as colours: red low, orange medium (moderate for OAT), green high. */
const syringeBandColours: PanelSpec["thresholds"] = [
  { from: null, color: "red" },
  { from: 100, color: "orange" },
  { from: 200, color: "green" },
];
const oatBandColours: PanelSpec["thresholds"] = [
  { from: null, color: "red" },
  { from: 20, color: "orange" },
  { from: 40, color: "green" },
];

/** Hidden and undefined, as services/coverage's HIDDEN and UNDEFINED (test/integration/dashboards.int checks). */
export const FUNDER_SPECIAL_VALUES: SpecialValues = { null: "[c]", nan: "–" };

/**
 * A number as funders may see it: NULL when hidden (small, or hidden to protect a small one: the
 * two must look alike), NaN when undefined (no denominator), else the value (rounded when `digits`
 * is given). The panel's mappings turn NULL into "[c]" and NaN into "–".
 */
const published = (column: string, camel: string, digits?: number) =>
  `CASE WHEN '${camel}' = ANY(suppressed) THEN NULL WHEN ${column} IS NULL THEN 'NaN'::float8 ELSE ${digits === undefined ? column : `round(${column}::numeric, ${digits})`}::float8 END`;
/** A band (text): NULL when hidden, "–" when undefined. */
const publishedBand = (column: string, camel: string) =>
  `CASE WHEN '${camel}' = ANY(suppressed) THEN NULL ELSE coalesce(${column}, '${FUNDER_SPECIAL_VALUES.nan}') END`;

/** The latest quarter in range, programme-wide. */
const latestProgramme: Query = select({
  period_start: "period_start",
  suppressed: "suppressed",
  nsp_clients: "nsp_clients",
  nsp_reach_pct: "nsp_reach_pct",
  syringes_per_pwid_year: "syringes_per_pwid_year",
  oat_reach_pct: "oat_reach_pct",
  naloxone_per_100_releases: "naloxone_per_100_releases",
})
  .from("funder.coverage")
  .where(...inRange("quarter"), `prison_id = ${PROGRAMME}`)
  .orderBy("period_start DESC")
  .limit(1)
  .build();

const programmeStat = (
  column: string,
  camel: string,
  title: string,
  description: string,
  extra: Partial<PanelSpec> = {},
): PanelSpec =>
  stat({
    title,
    description,
    query: select({ [column]: published(column, camel, 1) })
      .with("latest", latestProgramme)
      .from("latest")
      .build(),
    w: 5,
    specialValues: FUNDER_SPECIAL_VALUES,
    ...extra,
  });

const nspClients = programmeStat(
  "nsp_clients",
  "nspClients",
  "NSP clients",
  "Distinct cards with a syringe-kit dispense in the latest quarter of the range, programme-wide; [c] when hidden (a count is never undefined).",
  { w: 4 },
);
const nspReach = programmeStat(
  "nsp_reach_pct",
  "nspReachPct",
  "NSP reach",
  "NSP clients / estimated PWID (WHO SMART HIV.IND.8), latest quarter.",
  {
    unit: "percent",
  },
);
const syringesPerPwid = programmeStat(
  "syringes_per_pwid_year",
  "syringesPerPwidYear",
  "Syringes per PWID per year",
  "WHO/UNODC/UNAIDS bands: low < 100, medium 100–200, high > 200 (target 300 by 2030).",
  {
    thresholds: syringeBandColours,
  },
);
const oatReach = programmeStat(
  "oat_reach_pct",
  "oatReachPct",
  "OAT reach",
  "Clients on OAT at the end of the period / estimated opioid-dependent. WHO bands: low < 20 %, moderate 20–39 %, high ≥ 40 %.",
  {
    unit: "percent",
    thresholds: oatBandColours,
  },
);
const naloxone = programmeStat(
  "naloxone_per_100_releases",
  "naloxonePer100Releases",
  "Naloxone kits per 100 releases",
  "Take-home naloxone: kits dispensed per 100 people released (overdose risk peaks after release).",
);

const byPrison = table({
  title: "Coverage by prison and quarter",
  description:
    "Protected funder figures: [c] marks every hidden value (counts below the threshold and the cells an optimiser hid to protect them); – marks an undefined one (no denominator).",
  query: select({
    period_start: "period_start",
    prison: `CASE WHEN prison_id = ${PROGRAMME} THEN 'Programme total' ELSE coalesce(prison_name, prison_id) END`,
    days_observed: "days_observed",
    nsp_clients: published("nsp_clients", "nspClients"),
    nsp_regular: published("nsp_regular", "nspRegular"),
    nsp_reach_pct: published("nsp_reach_pct", "nspReachPct", 1),
    regular_pct: published("regular_pct", "regularPct", 1),
    syringes: published("syringes", "syringes"),
    syringes_per_pwid_year: published("syringes_per_pwid_year", "syringesPerPwidYear", 0),
    syringe_band: publishedBand("syringe_band", "syringeBand"),
    oat_clients: published("oat_active_end", "oatActiveEnd"),
    oat_reach_pct: published("oat_reach_pct", "oatReachPct", 1),
    oat_band: publishedBand("oat_band", "oatBand"),
    naloxone_kits: published("naloxone_kits", "naloxoneKits"),
    naloxone_per_100_releases: published("naloxone_per_100_releases", "naloxonePer100Releases", 1),
  })
    .from("funder.coverage c")
    .where(...inRange("quarter"), prisonsOrProgramme)
    .orderBy("period_start DESC", `prison_id = ${PROGRAMME} DESC`, "prison")
    .build(),
  w: 24,
  h: 10,
  specialValues: FUNDER_SPECIAL_VALUES,
});

/** One line per prison over the quarters of the range (funders get no months; a hidden or undefined value breaks the line, the tooltip names it). */
const quarterly = (
  column: string,
  camel: string,
  title: string,
  description: string,
  extra: Partial<PanelSpec>,
): PanelSpec =>
  timeseries({
    title,
    description,
    query: select({
      time: "period_start::timestamp AT TIME ZONE 'UTC'",
      metric: `CASE WHEN prison_id = ${PROGRAMME} THEN 'Programme' ELSE prison_id END`,
      [column]: published(column, camel, 1),
    })
      .from("funder.coverage")
      .where(...inRange("quarter"), prisonsOrProgramme)
      .orderBy("1", "2")
      .build(),
    w: 12,
    h: 9,
    specialValues: FUNDER_SPECIAL_VALUES,
    ...extra,
  });

const reachTrend = quarterly(
  "nsp_reach_pct",
  "nspReachPct",
  "NSP reach by quarter",
  "NSP reach per prison and programme-wide, quarter by quarter.",
  {
    unit: "percent",
  },
);
const syringeTrend = quarterly(
  "syringes_per_pwid_year",
  "syringesPerPwidYear",
  "Syringes per PWID per year, by quarter",
  "Against the WHO bands: below 100 low, above 200 high.",
  {
    thresholds: syringeBandColours,
  },
);
const oatTrend = quarterly(
  "oat_reach_pct",
  "oatReachPct",
  "OAT reach by quarter",
  "OAT reach per prison and programme-wide.",
  {
    unit: "percent",
    thresholds: oatBandColours,
  },
);
const regularTrend = quarterly(
  "regular_pct",
  "regularPct",
  "Regular access by quarter",
  "Share of clients who got syringes in every observed 30-day window of the quarter (HIV.IND.9).",
  {
    unit: "percent",
  },
);

/** The latest quarter in range, per prison, as bars coloured by WHO band ("[c]" or "–" without a bar). */
const bands = (
  column: string,
  camel: string,
  title: string,
  description: string,
  extra: Partial<PanelSpec>,
): PanelSpec =>
  bargauge({
    title,
    description,
    query: select({ prison: "coalesce(prison_name, prison_id)", [column]: published(column, camel, 1) })
      .from("funder.coverage")
      .where(
        ...inRange("quarter"),
        prisonFilter,
        `period_start = (SELECT max(period_start) FROM funder.coverage WHERE ${inRange("quarter").join(" AND ")})`,
      )
      .orderBy("1")
      .build(),
    w: 12,
    h: 9,
    specialValues: FUNDER_SPECIAL_VALUES,
    ...extra,
  });

const syringeBands = bands(
  "syringes_per_pwid_year",
  "syringesPerPwidYear",
  "Syringes per PWID per year — WHO band, latest quarter",
  "Red low (< 100), orange medium (100–200), green high (> 200).",
  {
    min: 0,
    max: 300,
    thresholds: syringeBandColours,
  },
);
const oatBands = bands(
  "oat_reach_pct",
  "oatReachPct",
  "OAT reach — WHO band, latest quarter",
  "Red low (< 20 %), orange moderate (20–39 %), green high (≥ 40 %); UNAIDS target 50 %.",
  percentScale(oatBandColours),
);

const estimates = table({
  title: "Estimates behind the figures",
  description: "Injecting and opioid-dependence prevalence per prison (denominators), and their source.",
  query: select({
    prison_id: "prison_id",
    effective_from: "effective_from",
    injecting_prevalence: "injecting_prevalence",
    opioid_dependence_prevalence: "opioid_dependence_prevalence",
    source: "source",
  })
    .from("funder.prevalence_estimate")
    .where(prisonFilter)
    .orderBy("prison_id", "effective_from NULLS FIRST")
    .build(),
  w: 24,
  h: 7,
  // Nothing here is hidden: an estimate not given reads as undefined.
  specialValues: { null: FUNDER_SPECIAL_VALUES.nan, nan: FUNDER_SPECIAL_VALUES.nan },
});

export const coverageDashboard: DashboardSpec = {
  uid: "hrvend-coverage",
  title: "hrvend · Coverage",
  audience: "Funders",
  access: "funder",
  description:
    "How many people the programme reaches, against WHO coverage bands — small numbers suppressed (funder views only).",
  tags: ["hrvend", "funders"],
  time: { from: "now-1y", to: "now" },
  refresh: "1h",
  variables: [prisonVar],
  rows: [
    {
      title: "Programme, latest quarter",
      panels: [nspClients, nspReach, syringesPerPwid, oatReach, naloxone],
    },
    { title: "By prison", panels: [byPrison, syringeBands, oatBands] },
    { title: "Trends", panels: [reachTrend, syringeTrend, oatTrend, regularTrend] },
    { title: "Method", panels: [estimates] },
  ],
};
