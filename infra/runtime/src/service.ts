import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import pino, { type Logger } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createDb } from "./db/connect";
import { connectNats } from "./nats/connect";
import { waitForStream } from "./nats/streams";

export interface StreamServiceConfig {
  /** Service name, for logs and the NATS connection name. */
  name: string;
  logLevel: string;
  databaseUrl: string;
  nats: { url: string; user?: string | undefined; password?: string | undefined };
  /** Streams the service reads: it waits until they exist (the gateway creates them). */
  waitForStreams: string[];
}

/**
 * What every stream-consuming service starts with: a logger, its database pool, its NATS
 * connection with JetStream, and a metrics registry with the process defaults.
 */
export async function startStreamService(c: StreamServiceConfig) {
  const log: Logger = pino({ name: c.name, level: c.logLevel });
  const db = createDb(c.databaseUrl, {
    max: 4,
    onIdleError: (err) => log.warn({ err: err.message }, "database connection lost"),
  });
  const nc = await connectNats({ ...c.nats, name: c.name });
  // No API check: a cluster just started has no JetStream leader yet; waitForStream retries.
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  for (const stream of c.waitForStreams) await waitForStream(jsm, stream, (m) => log.info(m));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { log, db, nc, jsm, js: jetstream(nc), registry };
}

/**
 * Graceful stop on SIGTERM/SIGINT: runs the steps in order (stop taking work, finish what is
 * in hand, close connections), once, logging `draining` and `stopped`, then exits: once the work
 * is drained nothing is left to wait for, and a handle some library keeps open must not keep a
 * stopped service alive.
 */
export function drainOnSignals(log: Logger, steps: (() => unknown)[]): void {
  let stopping = false;
  const drain = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "draining");
    for (const step of steps) await step();
    log.info("stopped");
    log.flush(() => process.exit(0));
  };
  process.once("SIGTERM", () => void drain("SIGTERM"));
  process.once("SIGINT", () => void drain("SIGINT"));
}
