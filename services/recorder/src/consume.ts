import {
  decodeEvents,
  decodeJson,
  type Partitioning,
  type StreamConsumers,
  startCommittedConsumer,
  startStreamConsumers,
} from "@hrvend/runtime/nats";
import { DeadLetter } from "@hrvend/schemas";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { RecorderDatabase } from "./store/db";
import { writeDeadLetters } from "./store/dead-letters";
import { writeEvents } from "./store/events";
import { toRecord } from "./to-record";

export interface RecorderDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Kysely<RecorderDatabase>;
  log: Logger;
  registry: Registry;
  clock: () => Date;
  streams: { events: string; dead: string };
  consumer: string;
  batchSize: number;
  batchWaitMs: number;
  /** Health intervals' gap bound (ms): see domain/heartbeats.ts. */
  healthGapMs?: number;
  /** Tries of a write failing for an unknown reason before its message is parked. */
  maxTries?: number;
  partitioning: Partitioning;
}

/**
 * The consume step. Runs the two consumers: accepted events into raw_event and the heartbeat rollups (per partition when partitioned), dead
 * letters into dead_letter (one instance at a time: its own leased unit).
 */
export async function startRecorder(d: RecorderDeps): Promise<StreamConsumers> {
  const rows = new Counter({
    name: "hrvend_recorder_events_total",
    help: "Events consumed, by outcome (inserted, duplicate, conflict)",
    labelNames: ["outcome"],
    registers: [d.registry],
  });
  const dead = new Counter({
    name: "hrvend_recorder_dead_letters_total",
    help: "Dead letters stored",
    registers: [d.registry],
  });
  const common = {
    js: d.js,
    jsm: d.jsm,
    db: d.db,
    log: d.log,
    registry: d.registry,
    ...(d.maxTries === undefined ? {} : { maxTries: d.maxTries }),
    maxBatch: d.batchSize,
    maxWaitMs: d.batchWaitMs,
  };
  return startStreamConsumers({
    ...common,
    nc: d.nc,
    partitioning: d.partitioning,
    stream: d.streams.events,
    durable: d.consumer,
    write: async (batch, position) => {
      const events = decodeEvents(batch);
      const r = await writeEvents(
        d.db,
        batch.map((m, i) => toRecord(m.data, events[i])),
        position,
        d.clock(),
        d.healthGapMs,
      );
      rows.inc({ outcome: "inserted" }, r.inserted);
      rows.inc({ outcome: "duplicate" }, r.duplicates);
      rows.inc({ outcome: "conflict" }, r.conflicts);
      if (r.conflicts > 0) d.log.warn({ conflicts: r.conflicts }, "re-used event keys dead-lettered");
    },
    extraUnits: {
      dead: () =>
        startCommittedConsumer({
          ...common,
          stream: d.streams.dead,
          durable: `${d.consumer}-dead`,
          write: async (batch, position) => {
            await writeDeadLetters(
              d.db,
              batch.map((m) => DeadLetter.parse(decodeJson(m))),
              position,
            );
            dead.inc(batch.length);
          },
        }),
    },
  });
}
