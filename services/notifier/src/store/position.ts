import { PositionMovedError, type StreamPosition } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import type { NotifierDatabase } from "./db";

/**
 * The notifier's stream position, in its own schema (its role cannot write `ingest`), with the
 * same compare-and-set as the other consumers' (infra/runtime/src/db/position.ts).
 */
export async function notifierCommittedSeq(db: Kysely<NotifierDatabase>, consumer: string): Promise<number> {
  const row = await db
    .selectFrom("notifier.stream_position")
    .select("stream_seq")
    .where("consumer", "=", consumer)
    .executeTakeFirst();
  return row ? Number(row.stream_seq) : 0;
}

export async function saveNotifierPosition(trx: Kysely<NotifierDatabase>, p: StreamPosition): Promise<void> {
  const moved = await sql`
    INSERT INTO notifier.stream_position (consumer, stream, stream_seq) VALUES (${p.consumer}, ${p.stream}, ${p.seq})
    ON CONFLICT (consumer) DO UPDATE
      SET stream = excluded.stream, stream_seq = excluded.stream_seq, updated_at = now()
      WHERE notifier.stream_position.stream_seq = ${p.after ?? 0}`.execute(trx);
  if (Number(moved.numAffectedRows ?? 0) !== 1) throw new PositionMovedError(p.consumer, p.after ?? 0);
}
