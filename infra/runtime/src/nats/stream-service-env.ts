import { hostname } from "node:os";
import { z } from "zod";
import { DEFAULT_STREAMS } from "./streams";

export interface StreamServiceEnvDefaults {
  /** CONSUMER: the durable consumer's name, also its row in ingest.stream_position. */
  consumer: string;
  batchSize: number;
  /** BATCH_SIZE's upper bound. */
  maxBatchSize?: number;
  batchWaitMs: number;
  metricsPort: number;
}

/**
 * The environment every service consuming the events stream in batches reads (recorder, stock,
 * reorder, coverage: what startStreamService, startBatchConsumer and serveMetrics are given).
 * Services spread it into their own schema; only the defaults differ between them.
 */
export const streamServiceEnv = (d: StreamServiceEnvDefaults) => ({
  /** One server or a comma-separated list of a cluster's nodes. */
  NATS_URL: z.string().min(1),
  /** The service's own NATS user (one user per service); none on an open server. */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  EVENTS_STREAM: z.string().default(DEFAULT_STREAMS.events),
  CONSUMER: z
    .string()
    .regex(/^[\w-]+$/)
    .default(d.consumer),
  BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(d.maxBatchSize ?? 5000)
    .default(d.batchSize),
  BATCH_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(d.batchWaitMs),
  /**
   * Tries (with backoff) of a write that failed for a reason neither transient nor known poison,
   * before the message at fault is parked (ops.parked_message). Transient failures (database
   * down) are retried without bound and park nothing; known poison is parked at once.
   */
  MAX_TRIES: z.coerce.number().int().min(1).max(20).default(3),
  /** Prometheus metrics on 127.0.0.1:<port>; 0 picks a free port (logged). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(d.metricsPort),
  /** Address /metrics listens on: loopback by default; a production host's internal address for Prometheus. */
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * Partitions of the subject space (by prison); 0: one consumer over the whole stream. N > 0
   * (the gateway's PARTITIONS): the instances of the service share partitions 0..N-1 through
   * leases, one durable consumer `<CONSUMER>-p<k>` per partition.
   */
  PARTITIONS: z.coerce.number().int().min(0).max(1024).default(0),
  /** This instance's name in the lease bucket. */
  INSTANCE_ID: z
    .string()
    .regex(/^[\w-]+$/)
    .default(`${hostname()}-${process.pid}`.replace(/[^\w-]/g, "-")),
  /** A stopped or dead instance's partitions are taken over within this long. */
  LEASE_SECONDS: z.coerce.number().int().min(3).max(300).default(10),
  /** Replicas of the streams and lease bucket the service creates: 3 on a 3-node cluster. */
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
