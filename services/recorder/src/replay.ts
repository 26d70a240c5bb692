import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { decodeEvent } from "@hrvend/runtime/nats";
import { ContractError, parseEventBytes } from "@hrvend/schemas";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { RawRecord } from "./domain/records";
import type { AnyDb } from "./store/db";
import { type WriteResult, writeEvents } from "./store/events";
import { toRecord } from "./to-record";

export interface ReplayProgress {
  done: number;
  total?: number;
  result: WriteResult;
}

const add = (a: WriteResult, b: WriteResult): WriteResult => ({
  inserted: a.inserted + b.inserted,
  duplicates: a.duplicates + b.duplicates,
  conflicts: a.conflicts + b.conflicts,
});
const ZERO: WriteResult = { inserted: 0, duplicates: 0, conflicts: 0 };

/**
 * Re-reads the whole events stream into the raw-event tables. Idempotent: what is already there
 * is counted as a duplicate. The recorder's own position is not touched.
 */
export async function replayStream(
  js: JetStreamClient,
  jsm: JetStreamManager,
  db: AnyDb,
  stream: string,
  onProgress: (p: ReplayProgress) => void,
  batchSize = 1000,
): Promise<ReplayProgress> {
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  const last = info.state.last_seq;
  const consumer = await js.consumers.get(stream, { opt_start_seq: info.state.first_seq });
  let progress: ReplayProgress = { done: 0, total, result: ZERO };
  let batch: RawRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const r = await writeEvents(db, batch, undefined, new Date());
    progress = { done: progress.done + batch.length, total, result: add(progress.result, r) };
    batch = [];
    onProgress(progress);
  };
  if (total > 0) {
    const messages = await consumer.consume({ max_messages: batchSize * 2 });
    for await (const m of messages) {
      batch.push(toRecord(m.data, decodeEvent(m)));
      if (batch.length >= batchSize) await flush();
      if (m.seq >= last) break;
    }
    await messages.close();
  }
  await flush();
  return progress;
}

export class ReplayFileError extends Error {
  override readonly name = "ReplayFileError";
}

/**
 * Loads a simulator `--out` file (JSONL, one event per line) into the raw-event tables. The file
 * is outside input: every line is validated against the contract; a bad line stops the replay
 * with its line number (nothing of its batch is written).
 */
export async function replayFile(
  path: string,
  db: AnyDb,
  onProgress: (p: ReplayProgress) => void,
  batchSize = 1000,
): Promise<ReplayProgress> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let progress: ReplayProgress = { done: 0, result: ZERO };
  let batch: RawRecord[] = [];
  let n = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const r = await writeEvents(db, batch, undefined, new Date());
    progress = { done: progress.done + batch.length, result: add(progress.result, r) };
    batch = [];
    onProgress(progress);
  };
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    try {
      parseEventBytes(line);
    } catch (e) {
      if (e instanceof ContractError) throw new ReplayFileError(`${path}:${n}: ${e.message}`, { cause: e });
      throw e;
    }
    batch.push(toRecord(line));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return progress;
}
