import { serveMetrics } from "@hrvend/runtime/metrics";
import { startBatchConsumer } from "@hrvend/runtime/nats";
import { drainOnSignals, startStreamService } from "@hrvend/runtime/service";
import { channelsOf } from "./channels";
import { notifierConfig } from "./config";
import { alertWriter } from "./consume";
import { notifierMetrics } from "./metrics";
import { startRounds } from "./rounds";
import { notifierDb } from "./store/db";
import { notifierCommittedSeq } from "./store/position";

const config = notifierConfig();
const service = await startStreamService({
  name: `notifier-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  // The stock service creates HR_ALERTS.
  waitForStreams: [config.ALERTS_STREAM],
});
const { log, nc, jsm, js, registry } = service;
const db = notifierDb(service.db);
const metrics = notifierMetrics(registry);
const consumer = await startBatchConsumer({
  js,
  jsm,
  stream: config.ALERTS_STREAM,
  durable: config.CONSUMER,
  maxBatch: config.BATCH_SIZE,
  maxWaitMs: config.BATCH_WAIT_MS,
  committedSeq: await notifierCommittedSeq(db, config.CONSUMER),
  write: alertWriter({ db, log, metrics, stream: config.ALERTS_STREAM }),
  onError: (err) => log.error({ err }, "alert consumer error; retrying, nothing acknowledged meanwhile"),
});
const channels = channelsOf(config);
const rounds = startRounds({
  jsm,
  stream: config.ALERTS_STREAM,
  consumer: config.CONSUMER,
  liveLagMessages: config.LIVE_LAG_MESSAGES,
  tickSeconds: config.TICK_SECONDS,
  planner: { db, rules: config.rules, log, metrics },
  sender: {
    db,
    log,
    metrics,
    channels,
    maxTries: config.SEND_MAX_TRIES,
    retryBaseSeconds: config.RETRY_BASE_SECONDS,
    retryMaxSeconds: config.RETRY_MAX_SECONDS,
    batch: config.SEND_BATCH,
  },
  log,
});

const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info(
  { metricsPort: http.port, contacts: config.rules.contacts.length, rules: config.rules.rules.length },
  "notifier ready",
);

drainOnSignals(log, [
  () => rounds.stop(),
  () => consumer.stop(),
  () => channels.email?.close?.(),
  () => nc.drain(),
  () => db.destroy(),
  () => http.server.close(),
]);
