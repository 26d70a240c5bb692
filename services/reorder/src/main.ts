import { createDb } from "@hrvend/infra/db";
import { serveMetrics } from "@hrvend/infra/metrics";
import { connectNats, waitForStream } from "@hrvend/infra/nats";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import pino from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";
import { loadReorderConfig } from "./config";
import { startReorder } from "./reorder";

const config = loadReorderConfig(process.env);
const log = pino({ name: "reorder", level: config.LOG_LEVEL });
const db = createDb(config.DATABASE_URL, {
  max: 4,
  onIdleError: (err) => log.warn({ err: err.message }, "database connection lost"),
});
const nc = await connectNats({
  url: config.NATS_URL,
  user: config.NATS_USER,
  password: config.NATS_PASSWORD,
  name: `reorder-${config.CONSUMER}`,
});
const jsm = await jetstreamManager(nc);
await waitForStream(jsm, config.EVENTS_STREAM, (m) => log.info(m));
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const service = await startReorder({
  js: jetstream(nc),
  jsm,
  db,
  log,
  registry,
  stream: config.EVENTS_STREAM,
  consumer: config.CONSUMER,
  batchSize: config.BATCH_SIZE,
  batchWaitMs: config.BATCH_WAIT_MS,
  schedules: config.REORDER_SCHEDULES,
  windowDays: config.WINDOW_DAYS,
  z: config.SAFETY_Z,
  recomputeIntervalMs: config.RECOMPUTE_INTERVAL_MS,
});
const http = await serveMetrics(registry, config.METRICS_PORT);
log.info({ metricsPort: http.port, consumer: config.CONSUMER }, "reorder ready");

let stopping = false;
async function drain(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "draining");
  await service.stop();
  await nc.drain();
  await db.destroy();
  http.server.close();
  log.info("stopped");
}
process.once("SIGTERM", () => void drain("SIGTERM"));
process.once("SIGINT", () => void drain("SIGINT"));
