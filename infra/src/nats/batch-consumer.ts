import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { committedSeq, PositionMovedError, type StreamPosition } from "../db/position";

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
   * Writes a batch and the stream position (savePosition(trx, position): a compare-and-set from
   * the position this consumer committed) in one transaction. Messages are acknowledged (all at
   * once, AckAll) only after it resolves; if it throws, the write is retried. PositionMovedError
   * (another instance took the partition over) ends the consumer instead.
   */
  write(batch: JsMsg[], position: StreamPosition): Promise<void>;
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
 *
 * Acknowledgements are cumulative (AckAll), so a message delivered but lost on the way (a pull
 * in flight when a cluster node died) would be acknowledged by the next batch, unseen. The
 * consumer therefore only accepts first deliveries in consumer order (1, 2, 3…): on a gap or a
 * redelivery it writes what it holds and recreates the consumer from the committed position.
 */
export async function startBatchConsumer(o: BatchConsumerOptions): Promise<RunningConsumer> {
  let committed = o.committedSeq;
  // The service's own table, not the consumer's ack floor, says where it stands (invariant 3):
  // the consumer is recreated delivering from the committed position. One instance per durable
  // name (partitions get their own names).
  const open = async () => {
    await o.jsm.consumers.delete(o.stream, o.durable).catch(() => false);
    await o.jsm.consumers.add(o.stream, {
      durable_name: o.durable,
      ack_policy: AckPolicy.All,
      ...(committed > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: committed + 1 }
        : { deliver_policy: DeliverPolicy.All }),
      // A batch held longer than this (database down) is redelivered, which reopens the consumer.
      ack_wait: 30_000_000_000,
      max_ack_pending: Math.max(o.maxBatch * 4, 1000),
      ...(o.filterSubject ? { filter_subject: o.filterSubject } : {}),
    });
    const consumer = await o.js.consumers.get(o.stream, o.durable);
    return consumer.consume({ max_messages: o.maxBatch * 2 });
  };
  let messages = await open();
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
          if (fresh.length > 0)
            await o.write(fresh, { consumer: o.durable, stream: o.stream, seq: last.seq, after: committed });
          committed = Math.max(committed, last.seq);
          last.ack();
          return;
        } catch (err) {
          o.onError(err);
          if (err instanceof PositionMovedError) {
            halted = true; // not ours any more: the new owner delivers from its own position
            void messages.close();
            return;
          }
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

  /** Reads until stopped, or until the delivery order breaks (then true: reopen). */
  const read = async (): Promise<boolean> => {
    let next = 1;
    let lastSeq = committed;
    try {
      for await (const m of messages) {
        if (stopped) return false;
        if (m.redelivered || m.info.deliverySequence !== next || m.seq <= lastSeq) {
          o.onError(
            new Error(
              `${o.durable}: delivery ${m.info.deliverySequence} (stream seq ${m.seq}${m.redelivered ? ", redelivered" : ""}) where ${next} was due; reopening from the committed position`,
            ),
          );
          return true;
        }
        next++;
        lastSeq = m.seq;
        buffer.push(m);
        if (buffer.length >= o.maxBatch) {
          await flush();
        } else if (!timer) {
          timer = setTimeout(() => void flush(), o.maxWaitMs);
        }
      }
      return false;
    } catch (err) {
      o.onError(err);
      return true;
    }
  };

  const done = (async () => {
    for (;;) {
      const reopen = await read();
      await flush();
      if (!reopen || stopped || halted) return;
      await messages.close().catch(() => undefined);
      for (let attempt = 0; !stopped; attempt++) {
        try {
          messages = await open();
          break;
        } catch (err) {
          o.onError(err);
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5_000)));
        }
      }
      if (stopped) return;
    }
  })();

  return {
    done,
    stop: async () => {
      stopped = true;
      await flush();
      await messages.close().catch(() => undefined);
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
    onError: (err) => log.error({ err }, "consumer error; retrying, nothing acknowledged meanwhile"),
  });
}
