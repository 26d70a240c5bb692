import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";

/**
 * Every slot's Min as the reorder service last computed it (`reorder.slot_parameters`, the
 * reorder service's table). The text of this query is how test/support/stock-mins.ts recognises
 * the refresh in pg_stat_activity: keep it as it is.
 */
export async function loadReorderMins(
  db: Kysely<Database>,
): Promise<{ machineId: string; slotId: string; min: number }[]> {
  const r = await sql<{ machine_id: string; slot_id: string; min: number }>`
      SELECT machine_id, slot_id, min FROM reorder.slot_parameters`.execute(db);
  return r.rows.map((x) => ({ machineId: x.machine_id, slotId: x.slot_id, min: Number(x.min) }));
}
