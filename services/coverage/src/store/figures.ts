import { type Selectable, sql } from "kysely";
import {
  type EstimateRow,
  type Figure,
  type FigureConfig,
  type PeriodCounts,
  periodTable,
  type RegistryPrevalence,
  type ThresholdRow,
  type TouchedPeriod,
} from "../domain";
import type { CoverageDb, PeriodCountTable } from "./db";
import { camelKeys, snakeKeys } from "./rows";

/** A figure table's row with its calendar dates as `YYYY-MM-DD` text (selected `::text`). */
export type TextDates<T> = Omit<Selectable<T>, "period_start" | "period_end"> & {
  period_start: string;
  period_end: string;
};
type PeriodCountRow = TextDates<PeriodCountTable>;

/**
 * Recounts the touched periods from coverage's state tables (exact: distinct card rows, sums of
 * the idempotent day tables, census days, the OAT register up to the period's last day).
 *
 * Regular access (docs/domain.md, WHO HIV.IND.9): clients who got syringes in every 30-day window of
 * the period that the programme observed. The period's windows start on its first day (a
 * remainder under 30 days joins the last one, as domain/periods.ts cuts them for the card rows);
 * a window is observed when all its days lie between the scope's first and last census day in the
 * period (the programme ran then; the days it had not started or has not reached yet do not
 * count). Defined only with at least two observed windows.
 */
export async function recountPeriods(trx: CoverageDb, touched: readonly TouchedPeriod[]): Promise<void> {
  if (touched.length === 0) return;
  await sql`
    WITH t AS (
      SELECT * FROM unnest(${touched.map((t) => t.scope)}::text[], ${touched.map((t) => t.grain)}::text[],
                           ${touched.map((t) => t.start)}::date[], ${touched.map((t) => t.end)}::date[],
                           ${touched.map((t) => t.fullMask)}::int[])
        AS t(scope, grain, period_start, period_end, full_mask))
    INSERT INTO coverage.period_count AS pc (scope, grain, period_start, period_end, days_observed, avg_population,
      admissions, releases, nsp_clients, nsp_new, nsp_regular, syringe_kits, syringes, naloxone_kits, oat_active_end)
    SELECT t.scope, t.grain, t.period_start, t.period_end,
      cs.days, cs.avg_population, cs.admissions, cs.releases,
      cards.clients, cards.new,
      CASE WHEN ow.n >= 2 THEN cards.regular END,
      dd.syringe_kits, dd.syringes, dd.naloxone_kits, oat.active
    FROM t
    CROSS JOIN LATERAL (
      SELECT (SELECT count(DISTINCT c.date) FROM coverage.census_day c
              WHERE (t.scope = '*' OR c.prison_id = t.scope) AND c.date BETWEEN t.period_start AND t.period_end)::int AS days,
             (SELECT min(c.date) FROM coverage.census_day c
              WHERE (t.scope = '*' OR c.prison_id = t.scope) AND c.date BETWEEN t.period_start AND t.period_end) AS first_day,
             (SELECT max(c.date) FROM coverage.census_day c
              WHERE (t.scope = '*' OR c.prison_id = t.scope) AND c.date BETWEEN t.period_start AND t.period_end) AS last_day,
             sum(p.avg_population) AS avg_population,
             coalesce(sum(p.admissions), 0)::int AS admissions,
             coalesce(sum(p.releases), 0)::int AS releases
      FROM (SELECT avg(c.population)::double precision AS avg_population, sum(c.admissions) AS admissions,
                   sum(c.releases) AS releases
            FROM coverage.census_day c
            WHERE (t.scope = '*' OR c.prison_id = t.scope) AND c.date BETWEEN t.period_start AND t.period_end
            GROUP BY c.prison_id) p) cs
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(1 << w.i), 0)::int AS mask, count(*)::int AS n
      FROM (SELECT i, (t.period_start + 30 * i) AS first,
                   CASE WHEN i = floor((t.period_end - t.period_start + 1) / 30.0)::int - 1 THEN t.period_end
                        ELSE t.period_start + 30 * i + 29 END AS last
            FROM generate_series(0, floor((t.period_end - t.period_start + 1) / 30.0)::int - 1) AS i) w
      WHERE t.full_mask > 0 AND w.first >= cs.first_day AND w.last <= cs.last_day) ow
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS clients,
             count(*) FILTER (WHERE c.first_date BETWEEN t.period_start AND t.period_end)::int AS new,
             count(*) FILTER (WHERE cp.windows & ow.mask = ow.mask)::int AS regular
      FROM coverage.card_period cp
      JOIN coverage.card c ON c.scope = cp.scope AND c.card_token = cp.card_token
      WHERE cp.scope = t.scope AND cp.grain = t.grain AND cp.period_start = t.period_start) cards
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(d.quantity) FILTER (WHERE d.category = 'syringe_kit'), 0)::int AS syringe_kits,
             coalesce(sum(d.syringes), 0)::int AS syringes,
             coalesce(sum(d.quantity) FILTER (WHERE d.category LIKE 'naloxone%'), 0)::int AS naloxone_kits
      FROM coverage.dispense_day d
      WHERE (t.scope = '*' OR d.prison_id = t.scope) AND d.local_date BETWEEN t.period_start AND t.period_end) dd
    CROSS JOIN LATERAL (
      SELECT count(DISTINCT s.client_token)::int AS active
      FROM (SELECT DISTINCT ON (o.prison_id, o.client_token) o.client_token, o.action
            FROM coverage.oat_event o
            WHERE (t.scope = '*' OR o.prison_id = t.scope) AND o.local_date <= t.period_end
            ORDER BY o.prison_id, o.client_token, o.at DESC, o.seq DESC) s
      WHERE s.action = 'enrol') oat
    ON CONFLICT (grain, period_start, scope) DO UPDATE SET
      period_end = excluded.period_end, days_observed = excluded.days_observed,
      avg_population = excluded.avg_population, admissions = excluded.admissions, releases = excluded.releases,
      nsp_clients = excluded.nsp_clients, nsp_new = excluded.nsp_new, nsp_regular = excluded.nsp_regular,
      syringe_kits = excluded.syringe_kits, syringes = excluded.syringes, naloxone_kits = excluded.naloxone_kits,
      oat_active_end = excluded.oat_active_end`.execute(trx);
}

export async function loadFigureConfig(trx: CoverageDb): Promise<FigureConfig> {
  const est = await trx
    .selectFrom("coverage.estimate")
    .select([
      "estimate_id",
      "prison_id",
      sql<string>`effective_from::text`.as("effective_from"),
      "injecting_prevalence",
      "opioid_dependence_prevalence",
      "source",
    ])
    .execute();
  const reg = await trx
    .selectFrom("coverage.prison")
    .select(["prison_id", "injecting_prevalence", "opioid_dependence_prevalence", "ref_key"])
    .execute();
  const thr = await trx
    .selectFrom("coverage.suppression_setting")
    .select([sql<string>`effective_from::text`.as("effective_from"), "threshold", "source"])
    .execute();
  return {
    estimates: est.map((r) => camelKeys<EstimateRow>(r)),
    registry: new Map(reg.map((r) => camelKeys<RegistryPrevalence>(r)).map((r) => [r.prisonId, r])),
    thresholds: thr.map((r) => camelKeys<ThresholdRow>(r)),
  };
}

/**
 * Recomputes the figures of whole period tables (all scopes of a grain and start: the programme
 * row needs its prisons') and marks the publication behind (figure_revision).
 */
export async function refreshFigures(
  trx: CoverageDb,
  groups: readonly { grain: string; start: string }[] | "all",
): Promise<number> {
  if (groups !== "all" && groups.length === 0) return 0;
  const where =
    groups === "all"
      ? sql`true`
      : sql`(grain, period_start) IN (SELECT * FROM unnest(${groups.map((g) => g.grain)}::text[], ${groups.map((g) => g.start)}::date[]))`;
  const rows = await sql<PeriodCountRow>`
    SELECT scope, grain, period_start::text AS period_start, period_end::text AS period_end, days_observed,
           avg_population, admissions, releases, nsp_clients, nsp_new, nsp_regular, syringe_kits, syringes,
           naloxone_kits, oat_active_end
    FROM coverage.period_count WHERE ${where}`.execute(trx);
  const config = await loadFigureConfig(trx);
  const tables = new Map<string, PeriodCounts[]>();
  for (const r of rows.rows) {
    const c = camelKeys<PeriodCounts>(r);
    const k = `${c.grain}|${c.periodStart}`;
    const table = tables.get(k);
    if (table) table.push(c);
    else tables.set(k, [c]);
  }
  const figures: Figure[] = [];
  for (const counts of tables.values()) figures.push(...periodTable(counts, config));
  await upsertAll(
    trx,
    "figure",
    figures.map((f) => snakeKeys({ ...f })),
  );
  // An upsert: a rebuild (hrvend replay --service coverage) empties every coverage table, this one too.
  await sql`
    INSERT INTO coverage.publish_state AS s (id, figure_revision, published_revision) VALUES (1, 1, 0)
    ON CONFLICT (id) DO UPDATE SET figure_revision = s.figure_revision + 1`.execute(trx);
  return figures.length;
}

/** Upserts figure rows (snake_case keys, every row the same columns) on (grain, period_start, scope). */
export async function upsertAll(
  trx: CoverageDb,
  table: "figure" | "published",
  rows: Record<string, unknown>[],
) {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0] ?? {});
  const set = sql.join(
    cols
      .filter((c) => !["scope", "grain", "period_start"].includes(c))
      .map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`),
  );
  const t = sql.table(`coverage.${table}`);
  await sql`
    INSERT INTO ${t} (${sql.join(cols.map((c) => sql.id(c)))})
    SELECT ${sql.join(cols.map((c) => sql.id(c)))} FROM jsonb_populate_recordset(NULL::coverage.${sql.raw(table)}, ${JSON.stringify(rows)}::jsonb)
    ON CONFLICT (grain, period_start, scope) DO UPDATE SET ${set}, computed_at = now()`.execute(trx);
}
