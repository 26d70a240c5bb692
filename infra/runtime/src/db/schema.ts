import type { ColumnType } from "kysely";

/**
 * The tables of the runtime itself. Each service types its own tables in its `store/db.ts`
 * (the recorder's `ingest.*` in services/recorder/src/store/db.ts, created by its migrations).
 */

/** Each consumer's place in its stream, moved in the transaction of its results (`savePosition`). */
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
  "ingest.stream_position": StreamPositionTable;
}
