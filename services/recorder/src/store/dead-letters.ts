import { type StreamPosition, savePosition } from "@hrvend/runtime/db";
import { type DeadLetter, deadLetterExcerpt, storableText } from "@hrvend/schemas";
import type { Kysely } from "kysely";
import { type AnyDb, type RecorderDatabase, recorderDb } from "./db";

/** Stores dead letters (idempotent on their ids) and moves the consumer's position, in one transaction. */
export async function writeDeadLetters(
  db: AnyDb,
  letters: DeadLetter[],
  position: StreamPosition,
): Promise<void> {
  await recorderDb(db)
    .transaction()
    .execute(async (trx) => {
      await insertDeadLetters(trx, letters);
      await savePosition(trx, position);
    });
}

export async function insertDeadLetters(trx: Kysely<RecorderDatabase>, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await trx
    .insertInto("ingest.dead_letter")
    .values(
      letters.map((l) => ({
        received_at: l.receivedAt,
        id: l.id,
        reason: l.reason,
        // Texts that PostgreSQL cannot hold (NUL, unpaired surrogates) must not stall this
        // consumer; the payload's bytes go to bytea as they are.
        message: storableText(l.message),
        topic: l.topic === null ? null : storableText(l.topic),
        source: l.source === null ? null : storableText(l.source),
        payload_bytes: l.payloadBytes,
        payload_excerpt: deadLetterExcerpt(l),
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}
