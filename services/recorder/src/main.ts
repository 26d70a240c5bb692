import { serveMetrics } from "@hrvend/runtime/metrics";
import { drainOnSignals, startStreamService } from "@hrvend/runtime/service";
import { recorderConfig } from "./config";
import { startRecorder } from "./consume";
import { recorderDb } from "./store/db";

const config = recorderConfig();
const { log, db, nc, jsm, js, registry } = await startStreamService({
  name: `recorder-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  waitForStreams: [config.EVENTS_STREAM, config.DEAD_STREAM],
});
const consumers = await startRecorder({
  nc,
  js,
  jsm,
  db: recorderDb(db),
  log,
  registry,
  clock: () => new Date(),
  streams: { events: config.EVENTS_STREAM, dead: config.DEAD_STREAM },
  consumer: config.CONSUMER,
  batchSize: config.BATCH_SIZE,
  batchWaitMs: config.BATCH_WAIT_MS,
  healthGapMs: config.HEALTH_GAP_MINUTES * 60_000,
  maxTries: config.MAX_TRIES,
  partitioning: config,
});
const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info({ metricsPort: http.port }, "recorder ready");

drainOnSignals(log, [
  () => consumers.stop(),
  () => nc.drain(),
  () => db.destroy(),
  () => http.server.close(),
]);
