import { sql } from "kysely";
import type { DeadSeq } from "../domain";
import type { StockDb } from "./db";

/** Keeps dead-lettered seqs (a machine seen later, or rebuilt, starts knowing them). */
export async function insertDeadSeqs(trx: StockDb, dead: readonly DeadSeq[]): Promise<void> {
  for (const d of dead)
    await sql`
      INSERT INTO stock.dead_seq (machine_id, seq, reason, received_at)
      VALUES (${d.machineId}, ${d.seq}, ${d.reason}, ${d.receivedAt}) ON CONFLICT DO NOTHING`.execute(trx);
}

/** The dead-lettered seqs of each of `machineIds` (in seq order), for machines seen for the first time. */
export async function deadSeqsOf(trx: StockDb, machineIds: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (machineIds.length === 0) return out;
  const rows = await trx
    .selectFrom("stock.dead_seq")
    .select(["machine_id", "seq"])
    .where("machine_id", "=", sql<string>`ANY(${machineIds}::text[])`)
    .orderBy("machine_id")
    .orderBy("seq")
    .execute();
  for (const r of rows) {
    const seqs = out.get(r.machine_id) ?? [];
    seqs.push(Number(r.seq));
    out.set(r.machine_id, seqs);
  }
  return out;
}
