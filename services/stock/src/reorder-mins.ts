import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";

/**
 * The Min of every slot as the reorder service last computed it (docs/domain.md §Max-min: below Min,
 * `low_stock`). Read from `reorder.slot_parameters` and refreshed on a timer: a live input, so a
 * rebuild of the stock tables judges past levels against the Mins of its own time (low-stock
 * alerts are the one figure a replay may date differently; every other one is rebuilt exactly).
 */
export class ReorderMins {
  private mins = new Map<string, number>();

  lookup = (machineId: string, slotId: string): number | undefined => this.mins.get(`${machineId}/${slotId}`);

  /** Reloads every slot's Min; returns how many slots have one. */
  async refresh(db: Kysely<Database>): Promise<number> {
    const r = await sql<{ machine_id: string; slot_id: string; min: number }>`
      SELECT machine_id, slot_id, min FROM reorder.slot_parameters`.execute(db);
    this.mins = new Map(r.rows.map((x) => [`${x.machine_id}/${x.slot_id}`, Number(x.min)]));
    return this.mins.size;
  }
}
