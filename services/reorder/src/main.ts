import { serveMetrics } from "@hrvend/runtime/metrics";
import { drainOnSignals, startStreamService } from "@hrvend/runtime/service";
import { reorderConfig } from "./config";
import { startReorder } from "./service";

// Wiring only: config → runtime → the service (consume step, recomputes) → metrics.
const config = reorderConfig();
const { log, db, nc, jsm, js, registry } = await startStreamService({
  name: `reorder-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  waitForStreams: [config.EVENTS_STREAM],
});
const service = await startReorder({
  nc,
  partitioning: config,
  js,
  jsm,
  db,
  log,
  registry,
  stream: config.EVENTS_STREAM,
  consumer: config.CONSUMER,
  batchSize: config.BATCH_SIZE,
  batchWaitMs: config.BATCH_WAIT_MS,
  maxTries: config.MAX_TRIES,
  schedules: config.REORDER_SCHEDULES,
  windowDays: config.WINDOW_DAYS,
  z: config.SAFETY_Z,
  fillTo: config.FILL_TO,
  recomputeIntervalMs: config.RECOMPUTE_INTERVAL_MS,
});
const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info({ metricsPort: http.port, consumer: config.CONSUMER }, "reorder ready");

drainOnSignals(log, [() => service.stop(), () => nc.drain(), () => db.destroy(), () => http.server.close()]);
