import { sql } from "kysely";
import type { LevelChange } from "../domain";
import type { StockDb } from "./db";

/** Level changes, one row per stock event: a key written again changes nothing. */
export async function insertLevelChanges(trx: StockDb, changes: readonly LevelChange[]): Promise<void> {
  if (changes.length === 0) return;
  const col = <K extends keyof LevelChange>(k: K) => changes.map((c) => c[k]);
  await sql`
    INSERT INTO stock.level_change (device_time, event_key, prison_id, machine_id, slot_id, item_id, seq, level, delta, cause, reason, usable_until)
    SELECT * FROM unnest(${col("deviceTime")}::timestamptz[], ${col("key")}::text[], ${col("prisonId")}::text[],
      ${col("machineId")}::text[], ${col("slotId")}::text[], ${col("itemId")}::text[], ${col("seq")}::bigint[],
      ${col("level")}::int[], ${col("delta")}::int[], ${col("cause")}::text[], ${col("reason")}::text[],
      ${col("usableUntil")}::timestamptz[])
    ON CONFLICT DO NOTHING`.execute(trx);
}
