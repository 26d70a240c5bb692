import type { Database } from "@hrvend/runtime/db";
import type { HrEvent } from "@hrvend/schemas";
import type { ColumnType, Generated, Kysely } from "kysely";
import type { Grain, ItemRef, OatBand, SyringeBand } from "../domain";

/**
 * Every table of the coverage service (schema `coverage`, migrations in ./migrations and the
 * CLI's 0008_ref_source) and the funder views over them (schema `funder`), as node-postgres
 * returns them: `bigint` as a string, `date` and `timestamptz` as a Date (queries that want the
 * calendar date select `::text`), `double precision` and `integer` as numbers.
 */

/** A `date` column: a Date when selected, a `YYYY-MM-DD` string when written. */
type DateColumn = ColumnType<Date, string, string>;
/** A `bigint` column: node-postgres returns it as a string. */
type BigintColumn = ColumnType<string, number | string, number | string>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface PrisonTable {
  prison_id: string;
  name: string;
  time_zone: string;
  injecting_prevalence: number;
  opioid_dependence_prevalence: number;
  ref_key: string;
  ref_seq: BigintColumn;
  /** The registry source that owns the prison (CLI migration 0008_ref_source). */
  ref_source: string | null;
}

export interface ItemTable {
  item_id: string;
  category: ItemRef["category"];
  syringes_per_unit: number;
  ref_seq: BigintColumn;
  ref_source: string | null;
}

/** Events that came before the reference data they need. */
export interface PendingTable {
  event_key: string;
  event: ColumnType<HrEvent, string, string>;
}

export interface DispenseTable {
  event_key: string;
  prison_id: string;
  item_id: string;
  local_date: DateColumn;
  quantity: number;
}

export interface DispenseDayTable {
  prison_id: string;
  local_date: DateColumn;
  item_id: string;
  category: ItemRef["category"];
  quantity: number;
  syringes: number;
  dispenses: number;
}

export interface CardTable {
  scope: string;
  card_token: string;
  first_date: DateColumn;
}

export interface CardPeriodTable {
  scope: string;
  grain: Grain;
  period_start: DateColumn;
  card_token: string;
  /** Bit i: the card got a syringe kit in the period's 30-day window i. */
  windows: number;
}

export interface CensusDayTable {
  prison_id: string;
  date: DateColumn;
  population: number;
  admissions: number;
  releases: number;
  seq: BigintColumn;
  source_id: ColumnType<string, string | undefined, string>;
}

export interface OatEventTable {
  event_key: string;
  prison_id: string;
  client_token: string;
  action: "enrol" | "discharge";
  at: ColumnType<Date, Date | string, Date | string>;
  local_date: DateColumn;
  seq: BigintColumn;
  source_id: ColumnType<string, string | undefined, string>;
}

export interface EstimateTable {
  estimate_id: Generated<number>;
  prison_id: string;
  effective_from: DateColumn;
  injecting_prevalence: number;
  opioid_dependence_prevalence: number;
  source: string;
  loaded_at: Timestamp;
}

export interface SuppressionSettingTable {
  effective_from: DateColumn;
  threshold: number;
  source: string;
  loaded_at: Timestamp;
}

/** Exact counts per scope and period (coverage.period_count). */
export interface PeriodCountTable {
  scope: string;
  grain: Grain;
  period_start: DateColumn;
  period_end: DateColumn;
  days_observed: number;
  avg_population: number | null;
  admissions: number;
  releases: number;
  nsp_clients: number;
  nsp_new: number;
  nsp_regular: number | null;
  syringe_kits: number;
  syringes: number;
  naloxone_kits: number;
  oat_active_end: number;
}

/** The columns coverage.figure and coverage.published share (migration 0005, FIGURE_COLUMNS). */
export interface FigureTable {
  scope: string;
  grain: Grain;
  period_start: DateColumn;
  period_end: DateColumn;
  days_observed: number;
  avg_population: number | null;
  admissions: number;
  releases: number;
  nsp_clients: number | null;
  nsp_new: number | null;
  nsp_returning: number | null;
  nsp_regular: number | null;
  syringe_kits: number | null;
  syringes: number | null;
  naloxone_kits: number | null;
  oat_active_end: number | null;
  estimate_id: number | null;
  estimate_source: string | null;
  injecting_prevalence: number | null;
  opioid_dependence_prevalence: number | null;
  est_pwid: number | null;
  est_opioid_dependent: number | null;
  nsp_reach_pct: number | null;
  regular_pct: number | null;
  syringes_per_pwid_year: number | null;
  syringe_band: SyringeBand | null;
  naloxone_per_100_prisoners: number | null;
  naloxone_per_100_releases: number | null;
  oat_reach_pct: number | null;
  oat_band: OatBand | null;
  computed_at: Timestamp;
}

/** The funder publication: quarters and years, hidden values NULL (`suppressed` names them). */
export interface PublishedTable extends FigureTable {
  suppressed: string[];
  threshold: number;
}

export interface PublishStateTable {
  id: number;
  figure_revision: BigintColumn;
  published_revision: BigintColumn;
  published_at: Date | null;
}

/** funder.coverage (migration 0011): the publication with the prison's name and zone; no token. */
export interface FunderCoverageView
  extends Omit<PublishedTable, "scope" | "nsp_new" | "nsp_returning" | "syringe_kits"> {
  prison_id: string;
  prison_name: string | null;
  time_zone: string | null;
}

/** funder.prevalence_estimate: configured estimates and the registry's (estimate_id NULL). */
export interface FunderPrevalenceEstimateView {
  estimate_id: number | null;
  prison_id: string;
  effective_from: Date | null;
  injecting_prevalence: number;
  opioid_dependence_prevalence: number;
  source: string;
  loaded_at: Date | null;
}

export interface FunderSuppressionSettingView {
  effective_from: Date;
  threshold: number;
  source: string;
  loaded_at: Date;
}

export type CoverageTables = {
  "coverage.prison": PrisonTable;
  "coverage.item": ItemTable;
  "coverage.pending": PendingTable;
  "coverage.dispense": DispenseTable;
  "coverage.dispense_day": DispenseDayTable;
  "coverage.card": CardTable;
  "coverage.card_period": CardPeriodTable;
  "coverage.census_day": CensusDayTable;
  "coverage.oat_event": OatEventTable;
  "coverage.estimate": EstimateTable;
  "coverage.suppression_setting": SuppressionSettingTable;
  "coverage.period_count": PeriodCountTable;
  "coverage.figure": FigureTable;
  "coverage.published": PublishedTable;
  "coverage.publish_state": PublishStateTable;
  "funder.coverage": FunderCoverageView;
  "funder.prevalence_estimate": FunderPrevalenceEstimateView;
  "funder.suppression_setting": FunderSuppressionSettingView;
};

/** The runtime's tables (the stream position a batch saves) and coverage's own. */
export type CoverageDatabase = Database & CoverageTables;
export type CoverageDb = Kysely<CoverageDatabase>;

/** The same connection (or transaction), typed with coverage's tables. */
export function coverageDb(db: Kysely<Database>): CoverageDb {
  return db.withTables<CoverageTables>();
}
