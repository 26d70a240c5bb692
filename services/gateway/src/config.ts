import { hostname } from "node:os";
import { CommaList, configOrExit, parseEnv } from "@hrvend/runtime";
import { DEFAULT_STREAMS, type StreamNames } from "@hrvend/runtime/nats";
import { INGEST_FILTER, PARTITIONED_EVENT_SUBJECTS } from "@hrvend/schemas";
import { z } from "zod";
import { defaultBucket } from "./adapters/registry-snapshot";

/** The gateway's whole configuration, from the environment, parsed once at start. */
export const GatewayEnv = z.object({
  GATEWAY_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  MQTT_URL: z.url(),
  MQTT_USERNAME: z.string().min(1),
  MQTT_PASSWORD: z.string().min(1),
  /** Shared-subscription group; empty for a broker without $share (nats-server's MQTT listener). */
  MQTT_SHARE_GROUP: z
    .string()
    .regex(/^[\w-]*$/)
    .default("ingest"),
  MQTT_FILTERS: CommaList.default([INGEST_FILTER]),
  /**
   * MQTT connections this instance opens in the share group. One keeps each machine's events in
   * the order it sent them all the way into the stream (a share group hands consecutive messages
   * to different connections, which scrambles a machine's order: 71 % of events out of order with
   * 4), and its window (MQTT_WINDOW) gives the concurrency. More only where one connection's
   * window is not enough; the stream services then hold back what comes early.
   */
  MQTT_CONNECTIONS: z.coerce.number().int().min(1).max(128).default(1),
  /**
   * Messages one connection works on at once. Their PUBACKs still go in order and only once
   * JetStream holds each message; the broker's in-flight window bounds what is outstanding.
   */
  MQTT_WINDOW: z.coerce.number().int().min(1).max(1000).default(256),
  NATS_URL: z.string().min(1),
  /** The gateway's own NATS user (architecture: one user per service); none on an open server. */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  EVENTS_STREAM: z.string().default(DEFAULT_STREAMS.events),
  /** Default: one subject per event kind; partitioned, `hr.v1.*.*.*.*`. */
  EVENTS_SUBJECTS: CommaList.optional(),
  /**
   * Partitions of the subject space (by prison) for partitioned services; 0: none. Must equal
   * the services' PARTITIONS. Changing it needs a new events stream (subjects differ).
   */
  PARTITIONS: z.coerce.number().int().min(0).max(1024).default(0),
  /** Replicas of the streams the gateway creates: 3 on a 3-node NATS cluster. */
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /**
   * Days the events and dead-letter streams keep a message when the gateway creates them; 0
   * keeps everything. The raw-event hypertable is the long-term record (replays can start
   * from it), so production bounds the streams' disk: about 1.6 GB a day per node for `estate`.
   */
  STREAM_MAX_AGE_DAYS: z.coerce.number().min(0).max(3650).default(0),
  /**
   * KV bucket (no TTL) keeping every prison's, machine's and item's latest admitted reference
   * event, read at start: the stream's ref events age out (STREAM_MAX_AGE_DAYS). Default:
   * `hrvend_registry_<EVENTS_STREAM>`; every gateway instance of a pipeline must share it.
   */
  REGISTRY_BUCKET: z
    .string()
    .regex(/^[\w-]+$/)
    .optional(),
  DEAD_STREAM: z.string().default(DEFAULT_STREAMS.dead),
  DEAD_SUBJECT_PREFIX: z.string().default(DEFAULT_STREAMS.deadPrefix),
  MAX_CLOCK_SKEW_S: z.coerce.number().min(0).default(300),
  /** A machine's events can overtake its registration (other connection): wait this long. */
  UNKNOWN_MACHINE_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
  /** Prometheus metrics on 127.0.0.1:<port>; 0 picks a free port (logged). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Address /metrics listens on: loopback by default; a production host's internal address for Prometheus. */
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});

export interface GatewayConfig {
  id: string;
  mqtt: {
    url: string;
    username: string;
    password: string;
    shareGroup: string;
    filters: string[];
    connections: number;
    window: number;
  };
  nats: { url: string; user?: string; pass?: string };
  streams: StreamNames;
  registryBucket: string;
  partitions: number;
  maxClockSkewMs: number;
  unknownMachineGraceMs: number;
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
}

export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  const e = parseEnv(GatewayEnv, env, "gateway");
  return {
    id: e.GATEWAY_ID,
    mqtt: {
      url: e.MQTT_URL,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      shareGroup: e.MQTT_SHARE_GROUP,
      filters: e.MQTT_FILTERS,
      connections: e.MQTT_CONNECTIONS,
      window: e.MQTT_WINDOW,
    },
    nats: { url: e.NATS_URL, ...(e.NATS_USER ? { user: e.NATS_USER, pass: e.NATS_PASSWORD ?? "" } : {}) },
    streams: {
      events: e.EVENTS_STREAM,
      eventSubjects:
        e.EVENTS_SUBJECTS ?? (e.PARTITIONS > 0 ? PARTITIONED_EVENT_SUBJECTS : DEFAULT_STREAMS.eventSubjects),
      dead: e.DEAD_STREAM,
      deadPrefix: e.DEAD_SUBJECT_PREFIX,
      replicas: e.STREAM_REPLICAS,
      maxAgeDays: e.STREAM_MAX_AGE_DAYS,
    },
    registryBucket: e.REGISTRY_BUCKET ?? defaultBucket(e.EVENTS_STREAM),
    partitions: e.PARTITIONS,
    maxClockSkewMs: e.MAX_CLOCK_SKEW_S * 1000,
    unknownMachineGraceMs: e.UNKNOWN_MACHINE_GRACE_MS,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    logLevel: e.LOG_LEVEL,
  };
}

/** The process's configuration, from its environment; a bad variable exits with one line. */
export const gatewayConfig = (): GatewayConfig =>
  configOrExit("gateway", () => loadGatewayConfig(process.env));
