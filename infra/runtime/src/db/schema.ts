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
