import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { committedSeq } from "../db/position";

export interface BatchConsumerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** Durable consumer name: the service's identity in the stream. */
  durable: string;
  /** One subject filter (nats-server 2.9 has no multi-subject filters). */
  filterSubject?: string;
  /** Largest batch written in one transaction. */
  maxBatch: number;
  /** Longest a message waits for its batch to fill. */
  maxWaitMs: number;
  /** Stream sequence already committed by the service (from its own table); skipped if redelivered. */
  committedSeq: number;
  /**
   * Writes a batch and the stream position in one transaction. Messages are acknowledged (all
   * at once, AckAll) only after it resolves; if it throws, they are redelivered.
   */
  write(batch: JsMsg[], lastSeq: number): Promise<void>;
  onError(err: unknown): void;
}

export interface RunningConsumer {
  /** Stops fetching, finishes the batch in hand; resolves when nothing is in flight. */
  stop(): Promise<void>;
  /** Resolves when the consumer loop ends (after stop, or on a fatal error). */
  done: Promise<void>;
}

/**
 * A durable pull consumer that hands the service micro-batches (up to maxBatch, at most
 * maxWaitMs old), one at a time, in stream order. Crash-safe with the service's own position:
 * a batch committed but not yet acknowledged is skipped when redelivered.
 */
export async function startBatchConsumer(o: BatchConsumerOptions): Promise<RunningConsumer> {
  // The service's own table, not the consumer's ack floor, says where it stands (invariant 3).
  // Acknowledgements are cumulative (AckAll), so messages a killed predecessor held unwritten
  // would be acknowledged by the first batch of its successor: the consumer is therefore
  // recreated at start, delivering from the committed position. One instance per durable name
  // (partitions get their own names).
  await o.jsm.consumers.delete(o.stream, o.durable).catch(() => false);
  await o.jsm.consumers.add(o.stream, {
    durable_name: o.durable,
    ack_policy: AckPolicy.All,
    ...(o.committedSeq > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: o.committedSeq + 1 }
      : { deliver_policy: DeliverPolicy.All }),
    // A batch held longer than this (database down) is redelivered; already-committed
    // messages are then skipped.
    ack_wait: 30_000_000_000,
    max_ack_pending: Math.max(o.maxBatch * 4, 1000),
    ...(o.filterSubject ? { filter_subject: o.filterSubject } : {}),
  });
  const consumer = await o.js.consumers.get(o.stream, o.durable);
  const messages = await consumer.consume({ max_messages: o.maxBatch * 2 });
  let committed = o.committedSeq;
  let buffer: JsMsg[] = [];
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let stopped = false;
  let halted = false;

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = buffer;
    buffer = [];
    if (batch.length === 0) return chain;
    chain = chain.then(async () => {
      if (halted) return;
      const last = batch[batch.length - 1]!;
      const fresh = batch.filter((m) => m.seq > committed);
      // A failed write is retried (the database may be down) and nothing later is acknowledged
      // meanwhile: AckAll on a later message would acknowledge this batch too.
      for (let attempt = 0; ; attempt++) {
        try {
          if (fresh.length > 0) await o.write(fresh, last.seq);
          committed = Math.max(committed, last.seq);
          last.ack();
          return;
        } catch (err) {
          o.onError(err);
          if (stopped) {
            halted = true; // left unacknowledged, and so is everything after it
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5_000)));
        }
      }
    });
    return chain;
  };

  const done = (async () => {
    for await (const m of messages) {
      if (stopped) break;
      buffer.push(m);
      if (buffer.length >= o.maxBatch) {
        await flush();
      } else if (!timer) {
        timer = setTimeout(() => void flush(), o.maxWaitMs);
      }
    }
    await flush();
  })();

  return {
    done,
    stop: async () => {
      stopped = true;
      await flush();
      await messages.close();
      await done.catch(() => undefined);
      await chain;
    },
  };
}

/**
 * startBatchConsumer for a service that keeps its position in `ingest.stream_position` under
 * its durable's name: resumes from that committed position, and logs failed writes (they are
 * retried; nothing is acknowledged meanwhile).
 */
export async function startCommittedConsumer(
  o: Omit<BatchConsumerOptions, "committedSeq" | "onError"> & { db: Kysely<any>; log: Logger },
): Promise<RunningConsumer> {
  const { db, log, ...rest } = o;
  return startBatchConsumer({
    ...rest,
    committedSeq: await committedSeq(db, o.durable),
    onError: (err) => log.error({ err }, "write failed; retrying, nothing acknowledged meanwhile"),
  });
}
