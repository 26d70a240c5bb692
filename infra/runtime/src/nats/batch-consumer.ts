import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { dueRetries, type ParkedInput, type ParkedRetry, parkMessage, retryFailed } from "../db/parked";
import { committedSeq, PositionMovedError, type StreamPosition } from "../db/position";
import { ConsumerHaltedError, classifyFailure, describeFailure, writeOrPark } from "./failure";

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
  /**
   * Parks a message this consumer cannot apply: stores it and moves the position past it
   * (`position`), in one transaction (invariant 6). Without it a failed write is retried forever.
   * Transient failures (database down, connection lost, serialization failure) never park.
   */
  park?(p: ParkedInput, position: StreamPosition): Promise<void>;
  /** Tries of a failure that is neither transient nor poison before it is split / parked (default 3). */
  maxTries?: number;
  /** After a message was parked (count it, log it). */
  onParked?(p: ParkedInput): void;
  /**
   * Parked messages of this consumer that an operator asked to re-apply (`hrvend parked retry`):
   * polled every intervalMs, each re-applied through `write` with the position unmoved and
   * `resolvesParked` set (so it is marked resolved in the write's transaction).
   */
  retries?: {
    due(): Promise<ParkedRetry[]>;
    failed(id: number, err: unknown): Promise<void>;
    onResolved?(id: number): void;
    intervalMs?: number;
  };
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
      // meanwhile: AckAll on a later message would acknowledge this batch too. A message the
      // consumer cannot apply is found by splitting the batch and parked (invariant 6).
      try {
        if (fresh.length > 0) await writeFresh(fresh);
        committed = Math.max(committed, last.seq);
        last.ack();
      } catch (err) {
        if (!(err instanceof ConsumerHaltedError)) throw err;
        halted = true;
        // Not ours any more (the new owner delivers from its own position), or stopping: left
        // unacknowledged, and so is everything after it.
        if (err.cause instanceof PositionMovedError) void messages.close();
      }
    });
    return chain;
  };

  const position = (seq: number): StreamPosition => ({
    consumer: o.durable,
    stream: o.stream,
    seq,
    after: committed,
  });
  const writeFresh = async (fresh: JsMsg[]): Promise<void> => {
    if (!o.park) {
      // No parking (a consumer without a table for it): retried until it succeeds.
      for (let attempt = 0; ; attempt++) {
        try {
          await o.write(fresh, position(fresh[fresh.length - 1]!.seq));
          committed = fresh[fresh.length - 1]!.seq;
          return;
        } catch (err) {
          o.onError(err);
          if (err instanceof PositionMovedError || stopped) throw new ConsumerHaltedError({ cause: err });
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5_000)));
        }
      }
    }
    const park = o.park;
    await writeOrPark(fresh, {
      write: async (msgs) => {
        const seq = msgs[msgs.length - 1]!.seq;
        await o.write(msgs, position(seq));
        committed = seq;
      },
      park: async (m, f) => {
        const d = describeFailure(f.error);
        const parked: ParkedInput = {
          consumer: o.durable,
          stream: o.stream,
          seq: m.seq,
          subject: m.subject,
          eventKey: m.headers?.get("Nats-Msg-Id") || null,
          verdict: f.verdict === "poison" ? "poison" : "exhausted",
          errorClass: d.errorClass,
          errorCode: d.code,
          errorMessage: d.message,
          tries: f.tries,
          data: m.data,
        };
        await park(parked, position(m.seq));
        committed = m.seq;
        o.onParked?.(parked);
      },
      isFatal: (err) => err instanceof PositionMovedError,
      stopping: () => stopped,
      onError: o.onError,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      maxTries: Math.max(1, o.maxTries ?? 3),
    });
  };

  /** Re-applies the parked messages an operator asked for, between batches (same chain). */
  const retryParked = (): Promise<void> => {
    const r = o.retries;
    if (!r) return chain;
    chain = chain.then(async () => {
      if (halted || stopped) return;
      let due: ParkedRetry[];
      try {
        due = await r.due();
      } catch (err) {
        o.onError(err);
        return;
      }
      for (const p of due) {
        if (halted || stopped) return;
        // The writers read only data (and seq, subject): what a parked message keeps.
        const msg = { data: new Uint8Array(p.data), seq: p.seq, subject: p.subject } as unknown as JsMsg;
        try {
          await o.write([msg], { ...position(committed), resolvesParked: p.id });
          r.onResolved?.(p.id);
        } catch (err) {
          o.onError(err);
          if (err instanceof PositionMovedError) {
            halted = true;
            void messages.close();
            return;
          }
          await r.failed(p.id, err).catch(o.onError);
        }
      }
    });
    return chain;
  };
  const retryTimer = o.retries
    ? setInterval(() => void retryParked(), o.retries.intervalMs ?? 2_000)
    : undefined;

  /** Reads until stopped, or until the delivery order breaks (then true: reopen). */
  const read = async (): Promise<boolean> => {
    let next = 1;
    let lastSeq = committed;
    try {
      for await (const m of messages) {
        if (stopped) return false;
        // The delivery info is parsed from the reply subject once (JsMsg caches it; `seq` and
        // `redelivered` read it back).
        const info = m.info;
        if (info.redelivered || info.deliverySequence !== next || info.streamSequence <= lastSeq) {
          o.onError(
            new Error(
              `${o.durable}: delivery ${info.deliverySequence} (stream seq ${info.streamSequence}${info.redelivered ? ", redelivered" : ""}) where ${next} was due; reopening from the committed position`,
            ),
          );
          return true;
        }
        next++;
        lastSeq = info.streamSequence;
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
      if (retryTimer) clearInterval(retryTimer);
      await flush();
      await messages.close().catch(() => undefined);
      await done.catch(() => undefined);
      await chain;
    },
  };
}

/** The per-consumer parked counter, one per registry (a process runs several consumers). */
function parkedCounter(registry: Registry): Counter<"consumer"> {
  const name = "hrvend_consumer_parked_total";
  return (
    (registry.getSingleMetric(name) as Counter<"consumer"> | undefined) ??
    new Counter({
      name,
      help: "Messages a consumer could not apply and parked (ops.parked_message), by consumer",
      labelNames: ["consumer"],
      registers: [registry],
    })
  );
}

/**
 * startBatchConsumer for a service that keeps its position in `ingest.stream_position` under
 * its durable's name: resumes from that committed position, logs failed writes (transient ones
 * are retried; nothing is acknowledged meanwhile), parks what it cannot apply in
 * `ops.parked_message` (counted in `hrvend_consumer_parked_total` when a registry is given), and
 * re-applies parked messages an operator asked for (`hrvend parked retry`).
 */
export async function startCommittedConsumer(
  o: Omit<BatchConsumerOptions, "committedSeq" | "onError" | "park" | "retries"> & {
    db: Kysely<any>;
    log: Logger;
    registry?: Registry;
  },
): Promise<RunningConsumer> {
  const { db, log, registry, ...rest } = o;
  const parked = registry ? parkedCounter(registry) : undefined;
  if (parked) parked.inc({ consumer: o.durable }, 0);
  return startBatchConsumer({
    ...rest,
    committedSeq: await committedSeq(db, o.durable),
    // "retrying": transient failures are; a message that cannot be applied is parked (logged
    // apart). Errors about a message are logged as described (no payload bytes: V8's JSON errors
    // and PostgreSQL's quote the value); the others whole, with their stack.
    onError: (err) =>
      log.error(
        classifyFailure(err) === "transient" ? { err } : { error: describeFailure(err) },
        "consumer error; retrying, nothing acknowledged meanwhile",
      ),
    park: (p, position) => parkMessage(db, p, position),
    onParked: (p) => {
      parked?.inc({ consumer: p.consumer });
      log.warn(
        {
          consumer: p.consumer,
          stream: p.stream,
          seq: p.seq,
          subject: p.subject,
          eventKey: p.eventKey,
          verdict: p.verdict,
          errorClass: p.errorClass,
          errorCode: p.errorCode,
          error: p.errorMessage,
        },
        "message parked; the consumer moves on (hrvend parked list)",
      );
    },
    retries: {
      due: () => dueRetries(db, o.durable, o.stream),
      failed: (id, err) => {
        const d = describeFailure(err);
        log.warn({ id, errorCode: d.code, error: d.message }, "parked message re-applied and failed again");
        return retryFailed(db, id, `${d.errorClass} ${d.code}: ${d.message}`);
      },
      onResolved: (id) => log.info({ id }, "parked message re-applied and resolved"),
    },
  });
}
