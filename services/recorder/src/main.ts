import { createDb } from "@hrvend/infra/db";
import { serveMetrics } from "@hrvend/infra/metrics";
import { connectNats, waitForStream } from "@hrvend/infra/nats";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import pino from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { loadRecorderConfig } from "./config";
import { startRecorder } from "./recorder";

const config = loadRecorderConfig(process.env);
const log = pino({ name: "recorder", level: config.LOG_LEVEL });
const db = createDb(config.DATABASE_URL, {
  max: 4,
  onIdleError: (err) => log.warn({ err: err.message }, "database connection lost"),
});
const nc = await connectNats({
  url: config.NATS_URL,
  user: config.NATS_USER,
  password: config.NATS_PASSWORD,
  name: `recorder-${config.CONSUMER}`,
});
const jsm = await jetstreamManager(nc);
await waitForStream(jsm, config.EVENTS_STREAM, (m) => log.info(m));
await waitForStream(jsm, config.DEAD_STREAM, (m) => log.info(m));
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const consumers = await startRecorder({
  js: jetstream(nc),
  jsm,
  db,
  log,
  registry,
  clock: () => new Date(),
  streams: { events: config.EVENTS_STREAM, dead: config.DEAD_STREAM },
  consumer: config.CONSUMER,
  batchSize: config.BATCH_SIZE,
  batchWaitMs: config.BATCH_WAIT_MS,
});
const http = await serveMetrics(registry, config.METRICS_PORT);
log.info({ metricsPort: http.port }, "recorder ready");

let stopping = false;
async function drain(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "draining");
  await Promise.all(consumers.map((c) => c.stop()));
  await nc.drain();
  await db.destroy();
  http.server.close();
  log.info("stopped");
}
process.once("SIGTERM", () => void drain("SIGTERM"));
process.once("SIGINT", () => void drain("SIGINT"));
