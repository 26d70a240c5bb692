import { type Kysely, sql } from "kysely";

/**
 * The coverage service's tables (services/coverage/README.md). Schema `coverage` holds per-card
 * and per-client state (card tokens, OAT client tokens) and the unsuppressed figures: only
 * hrvend_writer may use it. Schema `funder` holds the suppressed views funders and Grafana read;
 * none of them has a token column, and the views run with their owner's rights, so reading them
 * grants nothing on `coverage` (docs/architecture.md §Privacy and security).
 */
const FIGURE_COLUMNS = sql.raw(`
  scope                        text             NOT NULL,
  grain                        text             NOT NULL CHECK (grain IN ('day', 'week', 'month', 'quarter', 'year')),
  period_start                 date             NOT NULL,
  period_end                   date             NOT NULL,
  days_observed                integer          NOT NULL,
  avg_population               double precision,
  admissions                   integer          NOT NULL,
  releases                     integer          NOT NULL,
  nsp_clients                  integer,
  nsp_new                      integer,
  nsp_returning                integer,
  nsp_regular                  integer,
  syringe_kits                 integer,
  syringes                     integer,
  naloxone_kits                integer,
  oat_active_end               integer,
  estimate_id                  integer,
  estimate_source              text,
  injecting_prevalence         double precision,
  opioid_dependence_prevalence double precision,
  est_pwid                     double precision,
  est_opioid_dependent         double precision,
  nsp_reach_pct                double precision,
  regular_pct                  double precision,
  syringes_per_pwid_year       double precision,
  syringe_band                 text,
  naloxone_per_100_prisoners   double precision,
  naloxone_per_100_releases    double precision,
  oat_reach_pct                double precision,
  oat_band                     text,
  computed_at                  timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (grain, period_start, scope)`);

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA coverage`.execute(db);
  await sql`REVOKE ALL ON SCHEMA coverage FROM PUBLIC`.execute(db);

  // Reference data from the registry's ref_* events (time zone: periods are local).
  await sql`
    CREATE TABLE coverage.prison (
      prison_id                    text PRIMARY KEY,
      name                         text             NOT NULL,
      time_zone                    text             NOT NULL,
      injecting_prevalence         double precision NOT NULL,
      opioid_dependence_prevalence double precision NOT NULL,
      ref_key                      text             NOT NULL,
      ref_seq                      bigint           NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE coverage.item (
      item_id           text PRIMARY KEY,
      category          text    NOT NULL,
      syringes_per_unit integer NOT NULL,
      ref_seq           bigint  NOT NULL
    )`.execute(db);
  // Events that came before the reference data they need; applied when it arrives.
  await sql`
    CREATE TABLE coverage.pending (
      event_key text PRIMARY KEY,
      event     jsonb NOT NULL
    )`.execute(db);

  // Idempotency on the event key for what is summed (no card token kept here).
  await sql`
    CREATE TABLE coverage.dispense (
      event_key  text PRIMARY KEY,
      prison_id  text    NOT NULL,
      item_id    text    NOT NULL,
      local_date date    NOT NULL,
      quantity   integer NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE coverage.dispense_day (
      prison_id  text    NOT NULL,
      local_date date    NOT NULL,
      item_id    text    NOT NULL,
      category   text    NOT NULL,
      quantity   integer NOT NULL,
      syringes   integer NOT NULL,
      dispenses  integer NOT NULL,
      PRIMARY KEY (prison_id, local_date, item_id)
    )`.execute(db);

  // Per-card state: first syringe-kit date per scope (prison or '*' for the programme) and
  // first-seen rows per period with the 30-day windows seen (exact distinct counts, regular access).
  await sql`
    CREATE TABLE coverage.card (
      scope      text NOT NULL,
      card_token text NOT NULL,
      first_date date NOT NULL,
      PRIMARY KEY (scope, card_token)
    )`.execute(db);
  await sql`
    CREATE TABLE coverage.card_period (
      scope        text    NOT NULL,
      grain        text    NOT NULL,
      period_start date    NOT NULL,
      card_token   text    NOT NULL,
      windows      integer NOT NULL,
      PRIMARY KEY (scope, grain, period_start, card_token)
    )`.execute(db);

  await sql`
    CREATE TABLE coverage.census_day (
      prison_id  text    NOT NULL,
      date       date    NOT NULL,
      population integer NOT NULL,
      admissions integer NOT NULL,
      releases   integer NOT NULL,
      seq        bigint  NOT NULL,
      PRIMARY KEY (prison_id, date)
    )`.execute(db);
  await sql`
    CREATE TABLE coverage.oat_event (
      event_key    text PRIMARY KEY,
      prison_id    text        NOT NULL,
      client_token text        NOT NULL,
      action       text        NOT NULL CHECK (action IN ('enrol', 'discharge')),
      at           timestamptz NOT NULL,
      local_date   date        NOT NULL,
      seq          bigint      NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX oat_event_prison_client ON coverage.oat_event (prison_id, client_token, at DESC)`.execute(
    db,
  );

  // Configuration with effective dates: prevalence estimates per prison and the suppression threshold.
  await sql`
    CREATE TABLE coverage.estimate (
      estimate_id                  serial PRIMARY KEY,
      prison_id                    text             NOT NULL,
      effective_from               date             NOT NULL,
      injecting_prevalence         double precision NOT NULL CHECK (injecting_prevalence BETWEEN 0 AND 1),
      opioid_dependence_prevalence double precision NOT NULL CHECK (opioid_dependence_prevalence BETWEEN 0 AND 1),
      source                       text             NOT NULL CHECK (length(source) > 0),
      loaded_at                    timestamptz      NOT NULL DEFAULT now(),
      UNIQUE (prison_id, effective_from)
    )`.execute(db);
  await sql`
    CREATE TABLE coverage.suppression_setting (
      effective_from date        PRIMARY KEY,
      threshold      integer     NOT NULL CHECK (threshold >= 1),
      source         text        NOT NULL CHECK (length(source) > 0),
      loaded_at      timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  // Counts per scope and period, recomputed for the periods a batch touched; then the figures
  // (unsuppressed) and what funders see (suppressed), per period table.
  await sql`
    CREATE TABLE coverage.period_count (
      scope          text             NOT NULL,
      grain          text             NOT NULL,
      period_start   date             NOT NULL,
      period_end     date             NOT NULL,
      days_observed  integer          NOT NULL,
      avg_population double precision,
      admissions     integer          NOT NULL,
      releases       integer          NOT NULL,
      nsp_clients    integer          NOT NULL,
      nsp_new        integer          NOT NULL,
      nsp_regular    integer,
      syringe_kits   integer          NOT NULL,
      syringes       integer          NOT NULL,
      naloxone_kits  integer          NOT NULL,
      oat_active_end integer          NOT NULL,
      PRIMARY KEY (grain, period_start, scope)
    )`.execute(db);
  await sql`CREATE TABLE coverage.figure (${FIGURE_COLUMNS})`.execute(db);
  await sql`
    CREATE TABLE coverage.published (${FIGURE_COLUMNS},
      suppressed text[]  NOT NULL,
      small      text[]  NOT NULL,
      threshold  integer NOT NULL
    )`.execute(db);

  // Publication is derived from the committed figures, at most every second and at rest: the
  // revisions say whether it is behind (a batch bumps figure_revision in its transaction).
  await sql`
    CREATE TABLE coverage.publish_state (
      id                 integer PRIMARY KEY CHECK (id = 1),
      figure_revision    bigint      NOT NULL,
      published_revision bigint      NOT NULL,
      published_at       timestamptz
    )`.execute(db);
  await sql`INSERT INTO coverage.publish_state (id, figure_revision, published_revision) VALUES (1, 0, 0)`.execute(
    db,
  );

  await sql`GRANT USAGE ON SCHEMA coverage TO hrvend_writer`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA coverage TO hrvend_writer`.execute(
    db,
  );
  await sql`GRANT USAGE ON ALL SEQUENCES IN SCHEMA coverage TO hrvend_writer`.execute(db);

  // Funder-facing: suppressed figures, the estimates and thresholds behind them. No token anywhere.
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
  await sql`
    CREATE VIEW funder.prevalence_estimate AS
      SELECT estimate_id, prison_id, effective_from, injecting_prevalence, opioid_dependence_prevalence, source, loaded_at
      FROM coverage.estimate
      UNION ALL
      SELECT NULL, prison_id, NULL, injecting_prevalence, opioid_dependence_prevalence,
             'registry (ref_prison ' || ref_key || ')', NULL
      FROM coverage.prison`.execute(db);
  await sql`
    CREATE VIEW funder.suppression_setting AS
      SELECT effective_from, threshold, source, loaded_at FROM coverage.suppression_setting`.execute(db);
  await sql`GRANT USAGE ON SCHEMA funder TO hrvend_funder, hrvend_grafana`.execute(db);
  await sql`
    GRANT SELECT ON funder.coverage, funder.prevalence_estimate, funder.suppression_setting
      TO hrvend_funder, hrvend_grafana`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW funder.suppression_setting, funder.prevalence_estimate, funder.coverage`.execute(db);
  await sql`DROP SCHEMA coverage CASCADE`.execute(db);
}
