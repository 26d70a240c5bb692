import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import type { FunderGrain, PublishedFigure } from "../domain";
import { camelKeys } from "./rows";

export type FunderFigure = Omit<PublishedFigure, "nspNew" | "nspReturning" | "syringeKits"> & {
  prisonId: string;
  prisonName: string | null;
  timeZone: string | null;
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
  const rows = await sql<Record<string, unknown>>`
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
  const est = await sql<Record<string, unknown>>`
    SELECT estimate_id, prison_id, effective_from::text AS effective_from, injecting_prevalence,
           opioid_dependence_prevalence, source
    FROM funder.prevalence_estimate ORDER BY prison_id, effective_from NULLS FIRST`.execute(db);
  const thr = await sql<Record<string, unknown>>`
    SELECT effective_from::text AS effective_from, threshold, source FROM funder.suppression_setting
    ORDER BY effective_from`.execute(db);
  return {
    figures,
    estimates: est.rows.map((r) => camelKeys<EstimateUsed>(r)),
    thresholds: thr.rows.map((r) => camelKeys<FunderData["thresholds"][number]>(r)),
  };
}
