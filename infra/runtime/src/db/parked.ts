import { type Kysely, sql } from "kysely";
import { type StreamPosition, savePosition } from "./position";

/** What a consumer could not apply, as it is parked (migration 0014_parked). */
export interface ParkedInput {
  consumer: string;
  stream: string;
  seq: number;
  subject: string;
  /** The message's Nats-Msg-Id (the gateway sets the event key there), if any. */
  eventKey: string | null;
  /** `poison`: rejected at once; `exhausted`: failed every one of its bounded tries. */
  verdict: "poison" | "exhausted";
  errorClass: string;
  errorCode: string;
  /** Without payload bytes (describeFailure). */
  errorMessage: string;
  tries: number;
  data: Uint8Array;
}

/** A parked message an operator asked to re-apply. */
export interface ParkedRetry {
  id: number;
  seq: number;
  subject: string;
  data: Uint8Array;
}

/**
 * Parks a message and moves the consumer's position past it, in one transaction: the message is
 * kept for inspection and nothing after it waits. Parking the same position again (a replay)
 * refreshes the row and opens it again.
 */
export async function parkMessage(db: Kysely<any>, p: ParkedInput, position: StreamPosition): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      INSERT INTO ops.parked_message (consumer, stream, stream_seq, subject, event_key, verdict,
        error_class, error_code, error_message, tries, data)
      VALUES (${p.consumer}, ${p.stream}, ${p.seq}, ${p.subject}, ${p.eventKey}, ${p.verdict},
        ${p.errorClass}, ${p.errorCode}, ${p.errorMessage}, ${p.tries}, ${Buffer.from(p.data)})
      ON CONFLICT (consumer, stream, stream_seq) DO UPDATE SET
        subject = excluded.subject, event_key = excluded.event_key, verdict = excluded.verdict,
        error_class = excluded.error_class, error_code = excluded.error_code,
        error_message = excluded.error_message, tries = excluded.tries, data = excluded.data,
        parked_at = now(), resolved_at = NULL, retry_requested_at = NULL`.execute(trx);
    await savePosition(trx, position);
  });
}

/** This consumer's parked messages waiting to be re-applied, oldest first. */
export async function dueRetries(db: Kysely<any>, consumer: string, stream: string): Promise<ParkedRetry[]> {
  const r = await sql<{ id: string; stream_seq: string; subject: string; data: Buffer }>`
    SELECT id, stream_seq, subject, data FROM ops.parked_message
    WHERE consumer = ${consumer} AND stream = ${stream} AND resolved_at IS NULL AND retry_requested_at IS NOT NULL
    ORDER BY stream_seq LIMIT 100`.execute(db);
  return r.rows.map((x) => ({
    id: Number(x.id),
    seq: Number(x.stream_seq),
    subject: x.subject,
    data: x.data,
  }));
}

/** A re-application failed: the message stays parked with the new error (without payload bytes). */
export async function retryFailed(db: Kysely<any>, id: number, error: string): Promise<void> {
  await sql`UPDATE ops.parked_message
            SET retry_requested_at = NULL, retries = retries + 1, last_retry_error = ${error}
            WHERE id = ${id}`.execute(db);
}

/**
 * Asks the consumers to re-apply parked messages (one id, or every open one, optionally of one
 * consumer). Returns the ids asked for.
 */
export async function requestRetry(
  db: Kysely<any>,
  which: { id: number } | { all: true; consumer?: string | undefined },
): Promise<number[]> {
  const r =
    "id" in which
      ? await sql<{ id: string }>`
          UPDATE ops.parked_message SET retry_requested_at = now()
          WHERE id = ${which.id} AND resolved_at IS NULL RETURNING id`.execute(db)
      : await sql<{ id: string }>`
          UPDATE ops.parked_message SET retry_requested_at = now()
          WHERE resolved_at IS NULL AND (${which.consumer ?? null}::text IS NULL OR consumer = ${which.consumer ?? null})
          RETURNING id`.execute(db);
  return r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
}

/** A parked message as an operator reads it (`hrvend parked list|show`). */
export interface ParkedRow {
  id: number;
  consumer: string;
  stream: string;
  streamSeq: number;
  subject: string;
  eventKey: string | null;
  verdict: string;
  errorClass: string;
  errorCode: string;
  errorMessage: string;
  tries: number;
  parkedAt: Date;
  retryRequestedAt: Date | null;
  retries: number;
  lastRetryError: string | null;
  resolvedAt: Date | null;
  bytes: number;
}

const ROW = sql`id, consumer, stream, stream_seq, subject, event_key, verdict, error_class, error_code,
  error_message, tries, parked_at, retry_requested_at, retries, last_retry_error, resolved_at,
  octet_length(data) AS bytes`;

function toRow(x: Record<string, any>): ParkedRow {
  return {
    id: Number(x.id),
    consumer: x.consumer,
    stream: x.stream,
    streamSeq: Number(x.stream_seq),
    subject: x.subject,
    eventKey: x.event_key,
    verdict: x.verdict,
    errorClass: x.error_class,
    errorCode: x.error_code,
    errorMessage: x.error_message,
    tries: x.tries,
    parkedAt: x.parked_at,
    retryRequestedAt: x.retry_requested_at,
    retries: x.retries,
    lastRetryError: x.last_retry_error,
    resolvedAt: x.resolved_at,
    bytes: Number(x.bytes),
  };
}

/** Parked messages, newest first: open ones only unless `all`. */
export async function listParked(
  db: Kysely<any>,
  o: { consumer?: string | undefined; all?: boolean | undefined; limit?: number | undefined } = {},
): Promise<ParkedRow[]> {
  const r = await sql<Record<string, any>>`
    SELECT ${ROW} FROM ops.parked_message
    WHERE (${o.all ?? false} OR resolved_at IS NULL)
      AND (${o.consumer ?? null}::text IS NULL OR consumer = ${o.consumer ?? null})
    ORDER BY parked_at DESC, id DESC LIMIT ${o.limit ?? 100}`.execute(db);
  return r.rows.map(toRow);
}

/** One parked message with its raw data (the operator's view). */
export async function showParked(
  db: Kysely<any>,
  id: number,
): Promise<(ParkedRow & { data: Buffer }) | undefined> {
  const r = await sql<Record<string, any>>`
    SELECT ${ROW}, data FROM ops.parked_message WHERE id = ${id}`.execute(db);
  const x = r.rows[0];
  return x ? { ...toRow(x), data: x.data as Buffer } : undefined;
}

/** Open parked messages per consumer (summary, pipeline health). */
export async function parkedCounts(
  db: Kysely<any>,
): Promise<{ consumer: string; open: number; oldest: Date }[]> {
  const r = await sql<{ consumer: string; n: string; oldest: Date }>`
    SELECT consumer, count(*) AS n, min(parked_at) AS oldest FROM ops.parked_message
    WHERE resolved_at IS NULL GROUP BY consumer ORDER BY consumer`.execute(db);
  return r.rows.map((x) => ({ consumer: x.consumer, open: Number(x.n), oldest: x.oldest }));
}
