import type { Database } from "@hrvend/runtime/db";
import {
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
import { toRecord } from "./records";
import { writeDeadLetters, writeEvents } from "./store";

export interface RecorderDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Kysely<Database>;
  log: Logger;
  registry: Registry;
  clock: () => Date;
  streams: { events: string; dead: string };
  consumer: string;
  batchSize: number;
  batchWaitMs: number;
  /** Tries of a write failing for an unknown reason before its message is parked. */
  maxTries?: number;
  partitioning: Partitioning;
}

/**
 * Runs the two consumers: accepted events into raw_event (per partition when partitioned), dead
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
      const r = await writeEvents(
        d.db,
        batch.map((m) => toRecord(m.data)),
        position,
        d.clock(),
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
              batch.map((m) => DeadLetter.parse(JSON.parse(Buffer.from(m.data).toString("utf8")))),
              position,
            );
            dead.inc(batch.length);
          },
        }),
    },
  });
}
