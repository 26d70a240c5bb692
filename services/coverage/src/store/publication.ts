import { sql } from "kysely";
import type { Figure, ThresholdRow } from "../domain";
import type { CoverageDb, FigureTable, PublishedTable } from "./db";
import { type TextDates, upsertAll } from "./figures";
import { camelKeys, snakeKeys } from "./rows";

/** Whether the publication is behind the figures. */
export async function publicationBehind(db: CoverageDb): Promise<boolean> {
  const r = await db
    .selectFrom("coverage.publish_state")
    .select(sql<boolean>`published_revision < figure_revision`.as("behind"))
    .where("id", "=", 1)
    .executeTakeFirst();
  return r?.behind ?? false;
}

/** The figures' revision (bumped by every transaction that changes a figure) and the one published. */
export async function revisions(trx: CoverageDb): Promise<{ figure: string; published: string }> {
  const r = await trx
    .selectFrom("coverage.publish_state")
    .select(["figure_revision", "published_revision"])
    .where("id", "=", 1)
    .executeTakeFirst();
  return { figure: r?.figure_revision ?? "0", published: r?.published_revision ?? "0" };
}

/** What the publication is computed from: the funder grains' figures (quarters and years), the thresholds, and the figures' revision. */
export async function readPublishable(
  trx: CoverageDb,
): Promise<{ revision: string; figures: Figure[]; thresholds: ThresholdRow[] }> {
  const revision = (await revisions(trx)).figure;
  const all = await sql<TextDates<FigureTable>>`
    SELECT *, period_start::text AS period_start, period_end::text AS period_end FROM coverage.figure
    WHERE grain IN ('quarter', 'year')`.execute(trx);
  const figures = all.rows.map((r) => {
    const { computedAt: _, ...f } = camelKeys<Figure & { computedAt: unknown }>(r);
    return f as Figure;
  });
  const thr = await trx
    .selectFrom("coverage.suppression_setting")
    .select([sql<string>`effective_from::text`.as("effective_from"), "threshold", "source"])
    .execute();
  return {
    revision,
    figures,
    thresholds: thr.map((r) => camelKeys<ThresholdRow>(r)),
  };
}

/**
 * Writes the publication (coverage.published, read through funder.coverage): only rows whose
 * published content changed are rewritten; then marks it published up to `revision`. Returns the
 * rows written. Runs inside the caller's transaction, under the figures lock.
 */
export async function writePublication(
  trx: CoverageDb,
  rows: readonly { scope: string; grain: string; periodStart: string }[],
  revision: string,
): Promise<number> {
  const before = await sql<TextDates<PublishedTable>>`
    SELECT *, period_start::text AS period_start, period_end::text AS period_end FROM coverage.published`.execute(
    trx,
  );
  const fingerprint = (r: object) =>
    JSON.stringify(
      Object.entries(r)
        .filter(([k]) => k !== "computed_at")
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, v]),
    );
  const was = new Map(before.rows.map((r) => [`${r.grain}|${r.period_start}|${r.scope}`, fingerprint(r)]));
  const out: Record<string, unknown>[] = [];
  for (const r of rows) {
    const row = snakeKeys({ ...r });
    if (was.get(`${r.grain}|${r.periodStart}|${r.scope}`) !== fingerprint(row)) out.push(row);
  }
  await upsertAll(trx, "published", out);
  await sql`
    INSERT INTO coverage.publish_state AS s (id, figure_revision, published_revision, published_at)
    VALUES (1, ${revision}, ${revision}, now())
    ON CONFLICT (id) DO UPDATE SET published_revision = excluded.published_revision, published_at = now()`.execute(
    trx,
  );
  return out.length;
}
