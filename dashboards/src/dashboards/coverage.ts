import type { DashboardSpec, PanelSpec, VariableSpec } from "../model";
import { bargauge, percentScale, stat, table, timeseries } from "../panels";
import { type Query, select, timeFrom, timeTo } from "../sql";
import { prisonFilter } from "./variables";

/**
 * Funders read only the suppressed views of schema `funder` (migration 0005): counts below the
 * threshold are NULL there and named in `suppressed`; this dashboard shows them as "<5". WHO
 * bands (DOMAIN.md): syringes per PWID per year low < 100, medium 100–200, high > 200; OAT reach
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

/**
 * A count as funders may see it: "<threshold" when hidden for being small, "hidden" when hidden
 * only to protect another cell (complementary suppression: it may be large). The view's `small`
 * column names the former; read through to_jsonb so the query also runs where it is absent
 * (then every hidden count shows as "<threshold").
 */
const shown = (column: string, camel: string) =>
  `CASE WHEN '${camel}' = ANY(suppressed) THEN CASE WHEN coalesce((to_jsonb(c) -> 'small') ? '${camel}', true) THEN '<' || threshold ELSE 'hidden' END ELSE ${column}::text END`;

/** The latest quarter in range, programme-wide. */
const latestProgramme: Query = select({
  period_start: "period_start",
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
  title: string,
  description: string,
  extra: Partial<PanelSpec> = {},
): PanelSpec =>
  stat({
    title,
    description,
    query: select({ [column]: `round(${column}::numeric, 1)` })
      .with("latest", latestProgramme)
      .from("latest")
      .build(),
    w: 5,
    ...extra,
  });

const nspClients = programmeStat(
  "nsp_clients",
  "NSP clients",
  "Distinct cards with a syringe-kit dispense in the latest quarter of the range, programme-wide.",
  { w: 4 },
);
const nspReach = programmeStat(
  "nsp_reach_pct",
  "NSP reach",
  "NSP clients / estimated PWID (WHO SMART HIV.IND.8), latest quarter.",
  {
    unit: "percent",
  },
);
const syringesPerPwid = programmeStat(
  "syringes_per_pwid_year",
  "Syringes per PWID per year",
  "WHO/UNODC/UNAIDS bands: low < 100, medium 100–200, high > 200 (target 300 by 2030).",
  {
    thresholds: syringeBandColours,
  },
);
const oatReach = programmeStat(
  "oat_reach_pct",
  "OAT reach",
  "Clients on OAT at the end of the period / estimated opioid-dependent. WHO bands: low < 20 %, moderate 20–39 %, high ≥ 40 %.",
  {
    unit: "percent",
    thresholds: oatBandColours,
  },
);
const naloxone = programmeStat(
  "naloxone_per_100_releases",
  "Naloxone kits per 100 releases",
  "Take-home naloxone: kits dispensed per 100 people released (overdose risk peaks after release).",
);

const byPrison = table({
  title: "Coverage by prison and quarter",
  description:
    "Suppressed funder figures: counts below the threshold show as <5 (with complementary suppression).",
  query: select({
    period_start: "period_start",
    prison: `CASE WHEN prison_id = ${PROGRAMME} THEN 'Programme total' ELSE coalesce(prison_name, prison_id) END`,
    days_observed: "days_observed",
    nsp_clients: shown("nsp_clients", "nspClients"),
    nsp_new: shown("nsp_new", "nspNew"),
    nsp_reach_pct: "round(nsp_reach_pct::numeric, 1)",
    regular_pct: "round(regular_pct::numeric, 1)",
    syringes_per_pwid_year: "round(syringes_per_pwid_year::numeric)",
    syringe_band: "syringe_band",
    oat_clients: shown("oat_active_end", "oatActiveEnd"),
    oat_reach_pct: "round(oat_reach_pct::numeric, 1)",
    oat_band: "oat_band",
    naloxone_kits: shown("naloxone_kits", "naloxoneKits"),
    naloxone_per_100_releases: "round(naloxone_per_100_releases::numeric, 1)",
  })
    .from("funder.coverage c")
    .where(...inRange("quarter"), prisonsOrProgramme)
    .orderBy("period_start DESC", `prison_id = ${PROGRAMME} DESC`, "prison")
    .build(),
  w: 24,
  h: 10,
});

/** One line per prison over the months of the range. */
const monthly = (column: string, title: string, description: string, extra: Partial<PanelSpec>): PanelSpec =>
  timeseries({
    title,
    description,
    query: select({
      time: "period_start::timestamp AT TIME ZONE 'UTC'",
      metric: `CASE WHEN prison_id = ${PROGRAMME} THEN 'Programme' ELSE prison_id END`,
      [column]: `round(${column}::numeric, 1)`,
    })
      .from("funder.coverage")
      .where(...inRange("month"), prisonsOrProgramme)
      .orderBy("1", "2")
      .build(),
    w: 12,
    h: 9,
    ...extra,
  });

const reachTrend = monthly(
  "nsp_reach_pct",
  "NSP reach by month",
  "NSP reach per prison and programme-wide, month by month.",
  {
    unit: "percent",
  },
);
const syringeTrend = monthly(
  "syringes_per_pwid_year",
  "Syringes per PWID per year, by month",
  "Against the WHO bands: below 100 low, above 200 high.",
  {
    thresholds: syringeBandColours,
  },
);
const oatTrend = monthly("oat_reach_pct", "OAT reach by month", "OAT reach per prison and programme-wide.", {
  unit: "percent",
  thresholds: oatBandColours,
});
const regularTrend = monthly(
  "regular_pct",
  "Regular access by month",
  "Share of clients served in every 30-day window (HIV.IND.9).",
  {
    unit: "percent",
  },
);

/** The latest quarter in range, per prison, as bars coloured by WHO band. */
const bands = (column: string, title: string, description: string, extra: Partial<PanelSpec>): PanelSpec =>
  bargauge({
    title,
    description,
    query: select({ prison: "coalesce(prison_name, prison_id)", [column]: `round(${column}::numeric, 1)` })
      .from("funder.coverage")
      .where(
        ...inRange("quarter"),
        prisonFilter,
        `${column} IS NOT NULL`,
        `period_start = (SELECT max(period_start) FROM funder.coverage WHERE ${inRange("quarter").join(" AND ")})`,
      )
      .orderBy("2 DESC", "1")
      .build(),
    w: 12,
    h: 9,
    ...extra,
  });

const syringeBands = bands(
  "syringes_per_pwid_year",
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
