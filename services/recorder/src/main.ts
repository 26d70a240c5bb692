import { serveMetrics } from "@hrvend/infra/metrics";
import { startStreamService } from "@hrvend/infra/runtime";
import { loadRecorderConfig } from "./config";
import { startRecorder } from "./recorder";

const config = loadRecorderConfig(process.env);
const { log, db, nc, jsm, js, registry } = await startStreamService({
  name: `recorder-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  waitForStreams: [config.EVENTS_STREAM, config.DEAD_STREAM],
});
const consumers = await startRecorder({
  js,
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
