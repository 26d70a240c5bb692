import type { Database } from "@hrvend/infra/db";
import { type RunningConsumer, startCommittedConsumer } from "@hrvend/infra/nats";
import { DeadLetter } from "@hrvend/schemas";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { toRecord } from "./records";
import { writeDeadLetters, writeEvents } from "./store";

export interface RecorderDeps {
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
}

/** Runs the two consumers: accepted events into raw_event, dead letters into dead_letter. */
export async function startRecorder(d: RecorderDeps): Promise<RunningConsumer[]> {
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
  const events = await startCommittedConsumer({
    js: d.js,
    jsm: d.jsm,
    db: d.db,
    log: d.log,
    stream: d.streams.events,
    durable: d.consumer,
    maxBatch: d.batchSize,
    maxWaitMs: d.batchWaitMs,
    write: async (batch, lastSeq) => {
      const r = await writeEvents(
        d.db,
        batch.map((m) => toRecord(m.data)),
        { consumer: d.consumer, stream: d.streams.events, seq: lastSeq },
        d.clock(),
      );
      rows.inc({ outcome: "inserted" }, r.inserted);
      rows.inc({ outcome: "duplicate" }, r.duplicates);
      rows.inc({ outcome: "conflict" }, r.conflicts);
      if (r.conflicts > 0) d.log.warn({ conflicts: r.conflicts }, "re-used event keys dead-lettered");
    },
  });
  const deadName = `${d.consumer}-dead`;
  const letters = await startCommittedConsumer({
    js: d.js,
    jsm: d.jsm,
    db: d.db,
    log: d.log,
    stream: d.streams.dead,
    durable: deadName,
    maxBatch: d.batchSize,
    maxWaitMs: d.batchWaitMs,
    write: async (batch, lastSeq) => {
      await writeDeadLetters(
        d.db,
        batch.map((m) => DeadLetter.parse(JSON.parse(Buffer.from(m.data).toString("utf8")))),
        { consumer: deadName, stream: d.streams.dead, seq: lastSeq },
      );
      dead.inc(batch.length);
    },
  });
  return [events, letters];
}
