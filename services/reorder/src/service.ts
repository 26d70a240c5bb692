import type { Database as RuntimeDatabase } from "@hrvend/runtime/db";
import { type Partitioning, startStreamConsumers } from "@hrvend/runtime/nats";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { Counter, Histogram, type Registry } from "prom-client";
import { reorderConsume } from "./consume";
import {
  type FillTo,
  type OutreachSchedule,
  type PlanningParams,
  type ScheduleOverrides,
  scheduleFor,
} from "./domain";
import { recomputePrison } from "./recompute";
import { RecomputeScheduler } from "./recompute-scheduler";
import { plannablePrisons } from "./store/planning";

/** For tools and integration tests (`@hrvend/reorder/service`): the steps the service runs. */
export { batchChanges } from "./domain";
export { recomputePrison } from "./recompute";
export { applyBatch } from "./store/apply-batch";

export interface ReorderDeps {
  nc: NatsConnection;
  partitioning: Partitioning;
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Kysely<RuntimeDatabase>;
  log: Logger;
  registry: Registry;
  stream: string;
  consumer: string;
  batchSize: number;
  batchWaitMs: number;
  /** Tries of a write failing for an unknown reason before its message is parked. */
  maxTries?: number;
  schedules: ScheduleOverrides;
  windowDays: number;
  z: number;
  fillTo: FillTo;
  recomputeIntervalMs: number;
}

export interface RunningReorder {
  /** Stops consuming (the batch in hand is written), then lets the recompute in hand finish. */
  stop(): Promise<void>;
}

/**
 * The reorder service: applies the events stream to its tables (results and stream position in
 * one transaction), and recomputes the touched prisons' slot parameters and restock plans,
 * throttled. At start every prison is recomputed, so a crash between a batch and its recompute
 * leaves nothing stale.
 */
export async function startReorder(d: ReorderDeps): Promise<RunningReorder> {
  const db = d.db;
  const plans = new Counter({
    name: "hrvend_reorder_plans_total",
    help: "Prison recomputes, by outcome (planned, not_ready, error)",
    labelNames: ["outcome"],
    registers: [d.registry],
  });
  const seconds = new Histogram({
    name: "hrvend_reorder_recompute_seconds",
    help: "Time to recompute one prison's slot parameters and plan",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [d.registry],
  });

  const schedules = new Map<string, OutreachSchedule>();
  const params = (prisonId: string): PlanningParams => {
    let s = schedules.get(prisonId);
    if (s === undefined) {
      s = scheduleFor(prisonId, d.schedules);
      schedules.set(prisonId, s);
    }
    return { schedule: s, windowDays: d.windowDays, z: d.z, fillTo: d.fillTo };
  };
  const planner = new RecomputeScheduler({
    intervalMs: d.recomputeIntervalMs,
    recompute: async (prisonId) => {
      const end = seconds.startTimer();
      const r = await recomputePrison(db, prisonId, params(prisonId)).finally(() => end());
      plans.inc({ outcome: r.status });
      if (r.status === "planned")
        d.log.debug(
          { prisonId, revision: r.revision, visitAt: new Date(r.plan.visitAt).toISOString() },
          "plan recomputed",
        );
    },
    onError: (prisonId, err) => {
      plans.inc({ outcome: "error" });
      d.log.error({ err, prisonId }, "recompute failed; retrying later");
    },
  });

  // Every prison this instance (newly) owns is recomputed: a crash between a batch and its
  // recompute, or a hand-over, leaves nothing stale.
  const recomputeOwned = (owns: (prisonId: string) => boolean) =>
    plannablePrisons(db)
      .then((prisons) => planner.markDirty(prisons.filter(owns)))
      .catch((err: unknown) => d.log.error({ err }, "could not list prisons to recompute"));
  const consumer = await startStreamConsumers({
    nc: d.nc,
    partitioning: d.partitioning,
    onChange: (owns) => void recomputeOwned(owns),
    js: d.js,
    jsm: d.jsm,
    db: d.db,
    log: d.log,
    registry: d.registry,
    ...(d.maxTries === undefined ? {} : { maxTries: d.maxTries }),
    stream: d.stream,
    durable: d.consumer,
    maxBatch: d.batchSize,
    maxWaitMs: d.batchWaitMs,
    write: reorderConsume({ db, registry: d.registry, touched: (prisons) => planner.markDirty(prisons) }),
  });
  await recomputeOwned(consumer.owns);

  return {
    stop: async () => {
      await consumer.stop();
      await planner.stop();
    },
  };
}
