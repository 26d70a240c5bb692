import type { Database as RuntimeDatabase } from "@hrvend/runtime/db";
import type { ColumnType, Kysely, Transaction } from "kysely";

/*
 * The reorder service's own tables (schema `reorder`, migration 0004_reorder and 0008_ref_source),
 * every column typed. Only this service writes them; what other workspaces read goes through
 * `../read.ts` (`@hrvend/reorder/read`).
 */

/** reorder.prison: reference data and the latest time seen per prison (migration 0004_reorder). */
export interface ReorderPrisonTable {
  prison_id: string;
  name: string | null;
  time_zone: string | null;
  capacity: number | null;
  ref_seq: ColumnType<string | null, number | null | undefined, number | null>;
  /** The registry source that owns the row (migration 0008_ref_source). */
  ref_source: ColumnType<string | null, string | null | undefined, string | null>;
  last_event_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revision: ColumnType<string, number | undefined, number>;
}

export interface ReorderMachineTable {
  machine_id: string;
  prison_id: string;
  location: string;
  active: boolean;
  ref_seq: ColumnType<string, number, number>;
  /** The registry source that owns the row (migration 0008_ref_source). */
  ref_source: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ReorderSlotTable {
  machine_id: string;
  slot_id: string;
  prison_id: string;
  item_id: string;
  capacity: number;
  position: number;
}

export interface ReorderLevelChangeTable {
  event_key: string;
  prison_id: string;
  machine_id: string;
  slot_id: string;
  item_id: string;
  kind: "dispense" | "restock" | "stock_adjustment";
  device_time: ColumnType<Date, Date | string, never>;
  seq: ColumnType<string, number, never>;
  level: number;
  delta: number;
}

export interface ReorderDispenseDailyTable {
  prison_id: string;
  machine_id: string;
  item_id: string;
  /** Local calendar day of the prison (select it as `local_date::text`). */
  local_date: ColumnType<Date, string, string>;
  quantity: number;
  dispenses: number;
}

export interface ReorderLotStockTable {
  machine_id: string;
  slot_id: string;
  lot_id: string;
  prison_id: string;
  item_id: string;
  expiry: ColumnType<Date | null, string | null, string | null>;
  quantity: number;
}

export interface ReorderVisitScheduleTable {
  prison_id: string;
  anchor_date: ColumnType<Date, string, string>;
  first_visit_day: number;
  interval_days: number;
  visit_hour: number;
  lead_time_days: number;
  z: number;
  window_days: number;
}

export interface ReorderSlotParametersTable {
  prison_id: string;
  machine_id: string;
  slot_id: string;
  item_id: string;
  capacity: number;
  stock: number;
  lots: ColumnType<unknown, string, string>;
  source: string;
  average_daily: number;
  sigma: number;
  weekday_factors: number[];
  safety_stock: number;
  min: number;
  max: number;
  days_of_cover: number | null;
  projected_stockout_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  as_of: ColumnType<Date, Date | string, Date | string>;
  revision: ColumnType<string, number | string, number | string>;
  computed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ReorderRestockPlanTable {
  prison_id: string;
  visit_at: ColumnType<Date, Date | string, Date | string>;
  following_visit_at: ColumnType<Date, Date | string, Date | string>;
  as_of: ColumnType<Date, Date | string, Date | string>;
  plan: ColumnType<unknown, string, string>;
  revision: ColumnType<string, number | string, number | string>;
  computed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** The tables of schema `reorder`. */
export type ReorderTables = {
  "reorder.prison": ReorderPrisonTable;
  "reorder.machine": ReorderMachineTable;
  "reorder.slot": ReorderSlotTable;
  "reorder.level_change": ReorderLevelChangeTable;
  "reorder.dispense_daily": ReorderDispenseDailyTable;
  "reorder.lot_stock": ReorderLotStockTable;
  "reorder.visit_schedule": ReorderVisitScheduleTable;
  "reorder.slot_parameters": ReorderSlotParametersTable;
  "reorder.restock_plan": ReorderRestockPlanTable;
};

/** What the service's queries see: the runtime's tables (stream position) and its own. */
export type Database = RuntimeDatabase & ReorderTables;
export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

/**
 * A connection pool (or transaction) on the hrvend database, however its creator typed it
 * (`createDb` types the runtime's tables, the notifier its own); reorderDb types this service's.
 */
// biome-ignore lint/suspicious/noExplicitAny: callers' pools are typed with other tables; reorderDb types ours.
export type AnyDb = Kysely<any>;

/** The same pool, typed with the runtime's tables and this service's (types only). */
export const reorderDb = (db: AnyDb): Db => db;
