import { serveMetrics } from "@hrvend/runtime/metrics";
import { startStreamConsumers } from "@hrvend/runtime/nats";
import { drainOnSignals, startStreamService } from "@hrvend/runtime/service";
import { coverageConfig } from "./config";
import { coverageConsume } from "./consume";
import { startPublisher } from "./publish";

const config = coverageConfig();
const { log, db, nc, jsm, js, registry } = await startStreamService({
  name: `coverage-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  waitForStreams: [config.EVENTS_STREAM],
});
const consumer = await startStreamConsumers({
  nc,
  partitioning: config,
  js,
  jsm,
  db,
  log,
  registry,
  stream: config.EVENTS_STREAM,
  durable: config.CONSUMER,
  maxBatch: config.BATCH_SIZE,
  maxWaitMs: config.BATCH_WAIT_MS,
  maxTries: config.MAX_TRIES,
  write: coverageConsume({ db, registry }),
});

const publisher = startPublisher(db, {
  intervalMs: config.PUBLISH_INTERVAL_MS,
  heapMb: config.PUBLISH_WORKER_HEAP_MB,
  recycle: {
    idleMs: config.PUBLISH_WORKER_IDLE_MS,
    maxRounds: config.PUBLISH_WORKER_MAX_ROUNDS,
    keptMb: config.PUBLISH_WORKER_KEPT_MB,
  },
  log,
  registry,
});

const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info({ metricsPort: http.port }, "coverage ready");

drainOnSignals(log, [
  () => consumer.stop(),
  () => publisher.stop(),
  () => nc.drain(),
  () => db.destroy(),
  () => http.server.close(),
]);
