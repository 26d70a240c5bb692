import { serveMetrics } from "@hrvend/infra/metrics";
import { startStreamService } from "@hrvend/infra/runtime";
import { loadReorderConfig } from "./config";
import { startReorder } from "./reorder";

const config = loadReorderConfig(process.env);
const { log, db, nc, jsm, js, registry } = await startStreamService({
  name: `reorder-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  waitForStreams: [config.EVENTS_STREAM],
});
const service = await startReorder({
  js,
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
