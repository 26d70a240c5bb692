import type { ColumnType, Generated } from "kysely";

/** Accepted events exactly as the contract defines them, keyed by the event key. */
export interface RawEventTable {
  event_time: ColumnType<Date, Date | string, never>;
  event_key: string;
  prison_id: string;
  source_id: string;
  seq: ColumnType<string, number | bigint | string, never>;
  kind: string;
  received_at: ColumnType<Date, Date | string | undefined, never>;
  payload: ColumnType<unknown, string, never>;
}

/** Rejected inputs, kept for inspection with a reason a person can read. */
export interface DeadLetterTable {
  received_at: ColumnType<Date, Date | string, never>;
  id: string;
  reason: string;
  message: string;
  topic: string | null;
  /** Topic source level (machine or office); the broker ACL ties it to the client. */
  source: string | null;
  payload_bytes: number;
  /** First bytes of the payload as received (bytea since migration 0009): never in a reporting view. */
  payload_excerpt: Buffer | null;
}

export interface EventKeyTable {
  event_key: string;
  event_time: ColumnType<Date, Date | string, never>;
  digest: string;
}

export interface StreamPositionTable {
  consumer: string;
  stream: string;
  stream_seq: ColumnType<string, number | string, number | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface MigrationTable {
  name: string;
  timestamp: string;
}

export interface Database {
  "ingest.raw_event": RawEventTable;
  "ingest.dead_letter": DeadLetterTable;
  "ingest.event_key": EventKeyTable;
  "ingest.stream_position": StreamPositionTable;
  "reporting.ingest_hourly": { bucket: Date; prison_id: string; kind: string; events: string };
  "reporting.dead_letter_recent": Omit<DeadLetterTable, "payload_excerpt"> & { id: Generated<string> };
}

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

// Declaration merging: each service's migration appends its tables here without touching the lines above.
export interface Database {
  "reorder.prison": ReorderPrisonTable;
  "reorder.machine": ReorderMachineTable;
  "reorder.slot": ReorderSlotTable;
  "reorder.level_change": ReorderLevelChangeTable;
  "reorder.dispense_daily": ReorderDispenseDailyTable;
  "reorder.lot_stock": ReorderLotStockTable;
  "reorder.visit_schedule": ReorderVisitScheduleTable;
  "reorder.slot_parameters": ReorderSlotParametersTable;
  "reorder.restock_plan": ReorderRestockPlanTable;
}
