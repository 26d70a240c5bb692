import type { Database } from "@hrvend/runtime/db";
import { type Kysely, type RawBuilder, type Selectable, sql } from "kysely";
import type { FunderGrain, Grain, PublishedFigure } from "../domain";
import {
  coverageDb,
  type FigureTable,
  type FunderCoverageView,
  type FunderPrevalenceEstimateView,
} from "./db";
import { camelKeys } from "./rows";

/**
 * What other workspaces read from coverage (the CLI's report, summary, exports, DHIS2 and settle
 * probe; tests): every query of coverage's tables and funder views made outside the service.
 * Each runs on the caller's connection, so the role it connected as decides what it may read.
 */

export type FunderFigure = Omit<PublishedFigure, "nspNew" | "nspReturning" | "syringeKits"> & {
  prisonId: string;
  prisonName: string | null;
  timeZone: string | null;
};

type FunderRow = Omit<Selectable<FunderCoverageView>, "period_start" | "period_end" | "computed_at"> & {
  period_start: string;
  period_end: string;
};
type TextDate<T, K extends keyof T, Null = never> = Omit<Selectable<T>, K | "loaded_at"> & {
  [k in K]: string | Null;
};

export interface EstimateUsed {
  estimateId: number | null;
  prisonId: string;
  effectiveFrom: string | null;
  injectingPrevalence: number;
  opioidDependencePrevalence: number;
  source: string;
}

export interface FunderData {
  figures: FunderFigure[];
  estimates: EstimateUsed[];
  thresholds: { effectiveFrom: string; threshold: number; source: string }[];
}

/**
 * What a funder may read (the `funder` schema's suppressed views only): the periods of a grain
 * that lie within [from, to], for one prison (and the programme total) or all.
 */
export async function readFunderData(
  db: Kysely<Database>,
  q: { from: string; to: string; grain: FunderGrain; prisonId?: string | undefined },
): Promise<FunderData> {
  const rows = await sql<FunderRow>`
    SELECT prison_id, prison_name, time_zone, grain, period_start::text AS period_start,
           period_end::text AS period_end, days_observed, avg_population, admissions, releases,
           nsp_clients, nsp_regular, nsp_reach_pct, regular_pct, syringes,
           syringes_per_pwid_year, syringe_band, naloxone_kits, naloxone_per_100_prisoners,
           naloxone_per_100_releases, oat_active_end, oat_reach_pct, oat_band, est_pwid, est_opioid_dependent,
           injecting_prevalence, opioid_dependence_prevalence, estimate_id, estimate_source, suppressed, threshold
    FROM funder.coverage
    WHERE grain = ${q.grain} AND period_start >= ${q.from}::date AND period_end <= ${q.to}::date
      ${q.prisonId ? sql`AND (prison_id = ${q.prisonId} OR prison_id = '*')` : sql``}
    ORDER BY period_start, prison_id = '*', prison_id`.execute(db);
  const figures = rows.rows.map((r) => {
    const f = camelKeys<FunderFigure>(r);
    return { ...f, scope: f.prisonId };
  });
  const est = await sql<TextDate<FunderPrevalenceEstimateView, "effective_from", null>>`
    SELECT estimate_id, prison_id, effective_from::text AS effective_from, injecting_prevalence,
           opioid_dependence_prevalence, source
    FROM funder.prevalence_estimate ORDER BY prison_id, effective_from NULLS FIRST`.execute(db);
  const thr = await sql<{ effective_from: string; threshold: number; source: string }>`
    SELECT effective_from::text AS effective_from, threshold, source FROM funder.suppression_setting
    ORDER BY effective_from`.execute(db);
  return {
    figures,
    estimates: est.rows.map((r) => camelKeys<EstimateUsed>(r)),
    thresholds: thr.rows.map((r) => camelKeys<FunderData["thresholds"][number]>(r)),
  };
}

/** The funder publication's quarters and years wholly inside [from, to] (`hrvend export figures`, funder): a query the caller runs as the funder role. */
export function funderPublicationQuery(from: string, to: string): RawBuilder<Record<string, unknown>> {
  return sql`
      SELECT prison_id, prison_name, grain, period_start::text AS period_start, period_end::text AS period_end,
             days_observed, avg_population, admissions, releases, nsp_clients, nsp_regular, nsp_reach_pct,
             regular_pct, syringes, syringes_per_pwid_year, syringe_band, naloxone_kits,
             naloxone_per_100_prisoners, naloxone_per_100_releases, oat_active_end, oat_reach_pct, oat_band,
             est_pwid, est_opioid_dependent, threshold, suppressed
      FROM funder.coverage WHERE period_start >= ${from}::date AND period_end <= ${to}::date
      ORDER BY grain DESC, period_start, prison_id = '*', prison_id`;
}

/** One period of a grain: its first and last local dates. */
export interface PeriodOf {
  type: Grain;
  start: string;
  end: string;
}

/** The figures a DHIS2 export may send (services/cli/src/dhis2), one row per prison and the programme (`*`). */
const PERIOD_FIGURES =
  sql.raw(`days_observed, avg_population, releases, nsp_clients, nsp_regular, nsp_reach_pct,
  regular_pct, syringes, syringes_per_pwid_year, naloxone_kits, naloxone_per_100_prisoners,
  naloxone_per_100_releases, oat_active_end, oat_reach_pct, est_pwid, est_opioid_dependent`);
export type PeriodFigureRow = Pick<
  Selectable<FigureTable>,
  | "days_observed"
  | "avg_population"
  | "releases"
  | "nsp_clients"
  | "nsp_regular"
  | "nsp_reach_pct"
  | "regular_pct"
  | "syringes"
  | "syringes_per_pwid_year"
  | "naloxone_kits"
  | "naloxone_per_100_prisoners"
  | "naloxone_per_100_releases"
  | "oat_active_end"
  | "oat_reach_pct"
  | "est_pwid"
  | "est_opioid_dependent"
> & { prison_id: string };

/** The funder publication for one period (funder.coverage): hidden values NULL, named in `suppressed`. */
export async function readPublishedPeriod(
  db: Kysely<Database>,
  period: PeriodOf,
): Promise<(PeriodFigureRow & { suppressed: string[] })[]> {
  const r = await sql<PeriodFigureRow & { suppressed: string[] }>`
    SELECT prison_id, ${PERIOD_FIGURES}, suppressed FROM funder.coverage
    WHERE grain = ${period.type} AND period_start = ${period.start}::date AND period_end = ${period.end}::date
    ORDER BY prison_id = '*', prison_id`.execute(db);
  return r.rows;
}

/**
 * The figures of one period without disclosure control (coverage.figure): only a role a DBA
 * granted SELECT on coverage.figure may read them; the database refuses the others.
 */
export async function readFigurePeriod(db: Kysely<Database>, period: PeriodOf): Promise<PeriodFigureRow[]> {
  const r = await sql<PeriodFigureRow>`
    SELECT scope AS prison_id, ${PERIOD_FIGURES} FROM coverage.figure
    WHERE grain = ${period.type} AND period_start = ${period.start}::date AND period_end = ${period.end}::date
    ORDER BY scope = '*', scope`.execute(db);
  return r.rows;
}

/** One prison's (or the programme's, `*`) row of the summary's quarter, as funders see it. */
export type SummaryQuarterRow = Pick<
  Selectable<FunderCoverageView>,
  | "prison_id"
  | "nsp_clients"
  | "nsp_reach_pct"
  | "syringes_per_pwid_year"
  | "syringe_band"
  | "naloxone_per_100_prisoners"
  | "oat_reach_pct"
  | "oat_band"
  | "days_observed"
  | "suppressed"
> & { period_start: string };

/** The quarter with the most observed days (the latest on a tie), per prison and the programme last, from funder.coverage. */
export async function readSummaryQuarter(db: Kysely<Database>): Promise<SummaryQuarterRow[]> {
  const r = await sql<SummaryQuarterRow>`
    SELECT prison_id, period_start::text AS period_start, nsp_clients, nsp_reach_pct, syringes_per_pwid_year,
           syringe_band, naloxone_per_100_prisoners, oat_reach_pct, oat_band, days_observed, suppressed
    FROM funder.coverage
    WHERE grain = 'quarter' AND period_start = (
      SELECT period_start FROM funder.coverage WHERE grain = 'quarter' AND prison_id = '*'
      ORDER BY days_observed DESC, period_start DESC LIMIT 1)
    ORDER BY prison_id = '*', prison_id`.execute(db);
  return r.rows;
}

/** How many figure revisions the funder publication is behind (0 when current; throws without the coverage schema). */
export async function publicationLag(db: Kysely<Database>): Promise<number> {
  const r = await coverageDb(db)
    .selectFrom("coverage.publish_state")
    .select(sql<string>`figure_revision - published_revision`.as("n"))
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Every figure before suppression (coverage.figure), dates as `YYYY-MM-DD`: what the tests reconcile with the ledger. */
export async function readAllFigures(db: Kysely<Database>): Promise<
  (Omit<Selectable<FigureTable>, "period_start" | "period_end"> & {
    period_start: string;
    period_end: string;
  })[]
> {
  const r = await sql<
    Omit<Selectable<FigureTable>, "period_start" | "period_end"> & {
      period_start: string;
      period_end: string;
    }
  >`
    SELECT *, period_start::text AS period_start, period_end::text AS period_end FROM coverage.figure`.execute(
    db,
  );
  return r.rows;
}

/**
 * Whether the funder publication holds figures and has caught up with them: false while
 * funder.coverage is empty or coverage.publish_state says it is behind (where that table exists).
 */
export async function publicationCurrent(db: Kysely<Database>): Promise<boolean> {
  const n = await sql<{ n: string }>`SELECT count(*) AS n FROM funder.coverage`.execute(db);
  if (Number(n.rows[0]?.n) === 0) return false;
  const state = await sql<{ t: string | null }>`
    SELECT to_regclass('coverage.publish_state')::text AS t`.execute(db);
  if (!state.rows[0]?.t) return true;
  const r = await sql<{ behind: boolean | null }>`
    SELECT bool_or(published_revision < figure_revision) AS behind FROM coverage.publish_state`.execute(db);
  return r.rows[0]?.behind === false;
}
