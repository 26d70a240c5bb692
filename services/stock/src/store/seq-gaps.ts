import type { MachineGap } from "../domain";
import type { StockDb } from "./db";

/** Records the seq gaps passed over (reporting.stock_seq_gap), with each machine's prison. */
export async function insertGaps(
  trx: StockDb,
  gaps: readonly MachineGap[],
  prisonOf: (machineId: string) => string | null,
  at: string,
): Promise<void> {
  for (const g of gaps)
    await trx
      .insertInto("stock.seq_gap")
      .values({
        machine_id: g.machineId,
        from_seq: g.from,
        to_seq: g.to,
        prison_id: prisonOf(g.machineId),
        reason: g.reason,
        skipped_at: at,
      })
      .onConflict((oc) => oc.columns(["machine_id", "from_seq"]).doNothing())
      .execute();
}
