import type { Database } from "@hrvend/runtime/db";
import type { ColumnType, Kysely } from "kysely";
import type { AlertType, ItemInfo, LotState, MachineInput, MachineState, SeqOrder } from "../domain";

/**
 * The stock service's own tables (schema `stock`, migrations in ./migrations), every column as
 * PostgreSQL returns it through `pg`: timestamptz as Date, bigint as string, jsonb parsed.
 * Inserts take ISO strings for times. Queries of these tables live in this folder only.
 */

/** A time column: read as Date, written as an ISO string (or Date). */
type Time = ColumnType<Date, Date | string, Date | string>;
type NullableTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** bigint: read as a string (exact), written as a number. */
type BigInt = ColumnType<string, number | string, number | string>;
/** jsonb: read parsed, written as JSON text. */
type Json<T> = ColumnType<T, string, string>;

/** stock.item: the programme's items from `ref_item` (0003_stock). */
export interface ItemTable {
  item_id: string;
  info: Json<ItemInfo>;
}

/** stock.prison: each prison's time zone from `ref_prison` (0012_stock_live). */
export interface PrisonTable {
  prison_id: string;
  time_zone: string;
}

/**
 * stock.machine_state: one JSON state per machine and its seq-order buffer without the held
 * events (0003_stock); `version` new at every write (0028_stock_deltas).
 */
export interface MachineStateTable {
  machine_id: string;
  prison_id: string | null;
  state: Json<MachineState>;
  seq_order: Json<Omit<SeqOrder, "held">>;
  version: ColumnType<string, number | string | undefined, number | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** stock.held_event: an event a machine holds until the gap before it fills (0028_stock_deltas). */
export interface HeldEventTable {
  machine_id: string;
  seq: BigInt;
  /** Tells apart events held with the same seq, in arrival order. */
  k: number;
  event: Json<MachineInput>;
}

/** stock.level_change: one row per stock event (hypertable on device_time; 0003_stock, 0007_availability). */
export interface LevelChangeTable {
  device_time: Time;
  event_key: string;
  prison_id: string;
  machine_id: string;
  slot_id: string;
  item_id: string;
  seq: BigInt;
  level: number;
  delta: number;
  cause: "dispense" | "restock" | "adjustment";
  reason: string | null;
  usable_until: NullableTime;
}

/** stock.slot: each slot's current level and lots, for quick reads (0003_stock). */
export interface SlotTable {
  machine_id: string;
  slot_id: string;
  prison_id: string | null;
  item_id: string;
  capacity: number | null;
  level: number | null;
  level_at: NullableTime;
  lots: ColumnType<LotState[], string | undefined, string>;
}

/** stock.machine_health: each machine's connection and last heartbeat (0003_stock). */
export interface MachineHealthTable {
  machine_id: string;
  prison_id: string | null;
  status: string;
  status_since: NullableTime;
  last_seen_at: NullableTime;
  temperature_c: number | null;
  door: string | null;
  power: string | null;
  battery_pct: number | null;
  firmware: string | null;
}

/** stock.alert: alerts and their lifecycle; one active per (machine, slot, type) (0003_stock, 0012_stock_live). */
export interface AlertTable {
  alert_id: string;
  prison_id: string | null;
  machine_id: string;
  slot_id: string | null;
  type: AlertType;
  detail: string;
  raised_at: Time;
  acknowledged_at: NullableTime;
  acknowledged_by: string | null;
  cleared_at: NullableTime;
  reminded_at: NullableTime;
}

/** stock.alert_ack: acknowledgements from the stream, one per event (0012_stock_live). */
export interface AlertAckTable {
  event_key: string;
  alert_id: string;
  prison_id: string;
  machine_id: string;
  acknowledged_by: string;
  acknowledged_at: Time;
}

/** stock.dead_seq: machine seqs the gateway dead-lettered (0012_stock_live; not emptied by a rebuild). */
export interface DeadSeqTable {
  machine_id: string;
  seq: BigInt;
  reason: string;
  received_at: Time;
}

/** stock.seq_gap: seq gaps the service passed over, with why (0012_stock_live). */
export interface SeqGapTable {
  machine_id: string;
  from_seq: BigInt;
  to_seq: BigInt;
  prison_id: string | null;
  reason: "dead_letter" | "bound" | "overflow";
  skipped_at: Time;
}

/** Every table of schema `stock`. */
export type StockTables = {
  "stock.item": ItemTable;
  "stock.prison": PrisonTable;
  "stock.machine_state": MachineStateTable;
  "stock.held_event": HeldEventTable;
  "stock.level_change": LevelChangeTable;
  "stock.slot": SlotTable;
  "stock.machine_health": MachineHealthTable;
  "stock.alert": AlertTable;
  "stock.alert_ack": AlertAckTable;
  "stock.dead_seq": DeadSeqTable;
  "stock.seq_gap": SeqGapTable;
};

/**
 * A connection or transaction that sees the stock tables: `stockDb(db)` of the runtime's
 * connection (a transaction stays a transaction).
 */
export type StockDb = Kysely<StockTables>;

export function stockDb(db: Kysely<Database>): StockDb {
  // Kysely's types are invariant in the table map: the runtime's connection seen with the stock
  // tables only. withTables keeps the connection (a transaction's stays the transaction's).
  return db.withTables<StockTables>() as unknown as StockDb;
}
