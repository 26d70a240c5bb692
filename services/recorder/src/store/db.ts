import type { StreamPositionTable } from "@hrvend/runtime/db";
import type { ColumnType, Kysely } from "kysely";

/**
 * The recorder's tables (schema `ingest`, migrations in `./migrations` and the CLI's
 * 0017_operator_privacy for `event_count`), every column typed as PostgreSQL returns it through
 * `createDb` (bigint and numeric as strings).
 */

/** Accepted events exactly as the contract defines them, keyed by the event key. */
export interface RawEventTable {
  event_time: ColumnType<Date, Date | string, never>;
  event_key: string;
  prison_id: string;
  source_id: string;
  seq: ColumnType<string, number | bigint | string, never>;
  kind: string;
  received_at: ColumnType<Date, Date | string | undefined, never>;
  /** jsonb: the event as admitted. */
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

/** The idempotency index of every accepted event, with a digest of its bytes. */
export interface EventKeyTable {
  event_key: string;
  event_time: ColumnType<Date, Date | string, never>;
  digest: string;
}

/** What operators read of the events: counts per hour of event time, prison and kind (never `oat`). */
export interface EventCountTable {
  bucket: ColumnType<Date, Date | string, never>;
  prison_id: string;
  kind: string;
  events: ColumnType<string, number | bigint | string, number | bigint | string>;
  last_event_time: ColumnType<Date, Date | string, Date | string>;
}

/** Heartbeats per machine and UTC hour (CLI migration 0025; written by `heartbeats.ts`). */
interface HeartbeatHourlyTable {
  hour: ColumnType<Date, Date | string, never>;
  machine_id: string;
  prison_id: string;
  heartbeats: number;
  temp_count: number;
  temp_min: number | null;
  temp_max: number | null;
  temp_sum: number;
  door_open: number;
  on_battery: number;
  battery_min: number | null;
  first_at: ColumnType<Date, Date | string, Date | string>;
  last_at: ColumnType<Date, Date | string, Date | string>;
  /** int8multirange (as text): the seqs counted, what makes a heartbeat count once. */
  seqs: string;
}

/** Runs of heartbeats of one status (door/power), no gap over the recorder's HEALTH_GAP_MINUTES. */
interface MachineHealthIntervalTable {
  machine_id: string;
  started_at: ColumnType<Date, Date | string, never>;
  status: string;
  prison_id: string;
  ended_at: ColumnType<Date, Date | string, Date | string>;
  heartbeats: number;
}

export interface RecorderDatabase {
  "ingest.heartbeat_hourly": HeartbeatHourlyTable;
  "ingest.machine_health_interval": MachineHealthIntervalTable;
  "ingest.raw_event": RawEventTable;
  "ingest.dead_letter": DeadLetterTable;
  "ingest.event_key": EventKeyTable;
  "ingest.event_count": EventCountTable;
  /** Created by migration 0002_recorder; every consumer moves its row (the runtime's `savePosition`). */
  "ingest.stream_position": StreamPositionTable;
}

/**
 * A connection pool (or transaction) on the database that holds the recorder's tables, however
 * its creator typed it (`createDb` types the runtime's tables): what the package's functions take.
 */
// biome-ignore lint/suspicious/noExplicitAny: callers' pools are typed with other tables; recorderDb types ours.
export type AnyDb = Kysely<any>;

/** The same pool, typed with the recorder's tables. */
export const recorderDb = (db: AnyDb): Kysely<RecorderDatabase> => db;
