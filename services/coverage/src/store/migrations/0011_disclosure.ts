import { type Kysely, sql } from "kysely";

/**
 * The funder publication as disclosure control leaves it (services/coverage/README.md,
 * "Disclosure control"): quarters and years only, per prison and programme; the counts funders
 * need (NSP clients, regular clients, syringes, naloxone kits, OAT clients) with their rates and
 * bands; one symbol for every hidden value, so no column tells a small count from a cell hidden
 * to protect it (`small` is gone), and new / returning clients and syringe kits, which funders do
 * not need and which would add relations to solve, are not published.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW funder.coverage`.execute(db);
  await sql`DELETE FROM coverage.published WHERE grain NOT IN ('quarter', 'year')`.execute(db);
  await sql`ALTER TABLE coverage.published DROP COLUMN small`.execute(db);
  await sql`
    ALTER TABLE coverage.published ADD CONSTRAINT published_funder_grain CHECK (grain IN ('quarter', 'year'))`.execute(
    db,
  );
  // Figures changed meaning (regular access over observed windows): the service republishes.
  await sql`UPDATE coverage.publish_state SET figure_revision = figure_revision + 1`.execute(db);
  await sql`
    CREATE VIEW funder.coverage AS
      SELECT p.scope AS prison_id, pr.name AS prison_name, pr.time_zone, p.grain, p.period_start, p.period_end,
             p.days_observed, p.avg_population, p.admissions, p.releases,
             p.nsp_clients, p.nsp_regular, p.nsp_reach_pct, p.regular_pct,
             p.syringes, p.syringes_per_pwid_year, p.syringe_band,
             p.naloxone_kits, p.naloxone_per_100_prisoners, p.naloxone_per_100_releases,
             p.oat_active_end, p.oat_reach_pct, p.oat_band,
             p.est_pwid, p.est_opioid_dependent, p.injecting_prevalence, p.opioid_dependence_prevalence,
             p.estimate_id, p.estimate_source, p.suppressed, p.threshold, p.computed_at
      FROM coverage.published p
      LEFT JOIN coverage.prison pr ON pr.prison_id = p.scope
      WHERE p.grain IN ('quarter', 'year')`.execute(db);
  await sql`GRANT SELECT ON funder.coverage TO hrvend_funder`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW funder.coverage`.execute(db);
  await sql`ALTER TABLE coverage.published DROP CONSTRAINT published_funder_grain`.execute(db);
  await sql`ALTER TABLE coverage.published ADD COLUMN small text[] NOT NULL DEFAULT '{}'`.execute(db);
  await sql`
    CREATE VIEW funder.coverage AS
      SELECT p.scope AS prison_id, pr.name AS prison_name, pr.time_zone, p.grain, p.period_start, p.period_end,
             p.days_observed, p.avg_population, p.admissions, p.releases,
             p.nsp_clients, p.nsp_new, p.nsp_returning, p.nsp_regular, p.nsp_reach_pct, p.regular_pct,
             p.syringe_kits, p.syringes, p.syringes_per_pwid_year, p.syringe_band,
             p.naloxone_kits, p.naloxone_per_100_prisoners, p.naloxone_per_100_releases,
             p.oat_active_end, p.oat_reach_pct, p.oat_band,
             p.est_pwid, p.est_opioid_dependent, p.injecting_prevalence, p.opioid_dependence_prevalence,
             p.estimate_id, p.estimate_source, p.suppressed, p.small, p.threshold, p.computed_at
      FROM coverage.published p
      LEFT JOIN coverage.prison pr ON pr.prison_id = p.scope`.execute(db);
  await sql`GRANT SELECT ON funder.coverage TO hrvend_funder`.execute(db);
}
