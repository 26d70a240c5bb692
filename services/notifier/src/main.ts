import { serveMetrics } from "@hrvend/runtime/metrics";
import { startBatchConsumer } from "@hrvend/runtime/nats";
import { drainOnSignals, startStreamService } from "@hrvend/runtime/service";
import { alertWriter } from "./alert-writer";
import { emailChannel } from "./channels/email";
import { webhookChannel } from "./channels/webhook";
import { loadNotifierConfig, smtpRequiresTls } from "./config";
import { notifierMetrics } from "./metrics";
import { planRound } from "./planner";
import { sendRound } from "./sender";
import { notifierCommittedSeq } from "./store/position";

const config = loadNotifierConfig(process.env);
const { log, db, nc, jsm, js, registry } = await startStreamService({
  name: `notifier-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  // The stock service creates HR_ALERTS.
  waitForStreams: [config.ALERTS_STREAM],
});
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
const auth =
  config.SMTP_USER && config.SMTP_PASSWORD
    ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD }
    : undefined;
const email = config.SMTP_URL
  ? emailChannel(
      config.SMTP_URL,
      config.MAIL_FROM,
      config.SEND_TIMEOUT_MS,
      auth,
      smtpRequiresTls(config.SMTP_URL),
    )
  : undefined;
const sender = {
  db,
  log,
  metrics,
  channels: { ...(email ? { email } : {}), webhook: webhookChannel(config.SEND_TIMEOUT_MS) },
  maxTries: config.SEND_MAX_TRIES,
  retryBaseSeconds: config.RETRY_BASE_SECONDS,
  retryMaxSeconds: config.RETRY_MAX_SECONDS,
  batch: config.SEND_BATCH,
};

/** Caught up: the consumer has at most LIVE_LAG_MESSAGES to go (time-driven steps never run in a replay). */
async function live(): Promise<boolean> {
  const info = await jsm.consumers.info(config.ALERTS_STREAM, config.CONSUMER);
  return info.num_pending + info.num_ack_pending <= config.LIVE_LAG_MESSAGES;
}

let ticking = false;
const timer = setInterval(async () => {
  if (ticking) return;
  ticking = true;
  try {
    if (await live()) await planRound({ db, rules: config.rules, log, metrics }, Date.now());
    await sendRound(sender, new Date());
  } catch (err) {
    log.warn({ err }, "notifier round failed; the next one retries");
  } finally {
    ticking = false;
  }
}, config.TICK_SECONDS * 1000);

const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info(
  { metricsPort: http.port, contacts: config.rules.contacts.length, rules: config.rules.rules.length },
  "notifier ready",
);

drainOnSignals(log, [
  () => clearInterval(timer),
  () => consumer.stop(),
  () => email?.close?.(),
  () => nc.drain(),
  () => db.destroy(),
  () => http.server.close(),
]);
