import { serveMetrics } from "@hrvend/infra/metrics";
import { DEFAULT_STREAMS, ensureStreams, startStreamConsumers } from "@hrvend/infra/nats";
import { drainOnSignals, startStreamService } from "@hrvend/infra/runtime";
import { AlertPublisher, alertMessage } from "./alert-publisher";
import { loadStockConfig } from "./config";
import { markReminded, remindersDue } from "./domain";
import { ReorderMins } from "./reorder-mins";
import { activeAlerts, saveAlert } from "./stock-store";
import { stockWriter } from "./stock-writer";

const config = loadStockConfig(process.env);
const { log, db, nc, jsm, js, registry } = await startStreamService({
  name: `stock-${config.CONSUMER}`,
  logLevel: config.LOG_LEVEL,
  databaseUrl: config.DATABASE_URL,
  nats: { url: config.NATS_URL, user: config.NATS_USER, password: config.NATS_PASSWORD },
  waitForStreams: [config.EVENTS_STREAM],
});
await ensureStreams(jsm, {
  ...DEFAULT_STREAMS,
  events: config.EVENTS_STREAM,
  alerts: config.ALERTS_STREAM,
  alertSubjects: config.ALERTS_SUBJECTS,
  replicas: config.STREAM_REPLICAS,
});
const publisher = new AlertPublisher(js, config.ALERTS_STREAM);
const mins = new ReorderMins();
const refreshMins = async () => {
  try {
    log.debug({ slots: await mins.refresh(db) }, "reorder Mins loaded");
  } catch (err) {
    log.warn({ err }, "reorder Mins not loaded (is the reorder service migrated?); low-stock alerts wait");
  }
};
if (config.MIN_REFRESH_SECONDS > 0) await refreshMins();
const minTimer =
  config.MIN_REFRESH_SECONDS > 0 ? setInterval(refreshMins, config.MIN_REFRESH_SECONDS * 1000) : undefined;
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
  write: stockWriter({
    db,
    publisher,
    policy: config.MIN_REFRESH_SECONDS > 0 ? { ...config.policy, lowStockMin: mins.lookup } : config.policy,
    log,
  }),
});

// Reminders while an offline or stockout alert lasts (wall clock: a live concern, not a replay one),
// each by the instance that owns the alert's prison.
const reminders = setInterval(async () => {
  try {
    const now = new Date().toISOString();
    const mine = (await activeAlerts(db)).filter((a) => consumer.owns(a.prisonId ?? ""));
    const active = new Map(mine.map((a) => [a.id, a]));
    for (const r of remindersDue([...active.values()], now, config.REMINDER_MINUTES)) {
      const alert = markReminded(active.get(r.alertId) as NonNullable<ReturnType<typeof active.get>>, now);
      await saveAlert(db, alert);
      await publisher.publish(alertMessage(alert, "reminder", now));
    }
  } catch (err) {
    log.warn({ err }, "reminders failed; next round will retry");
  }
}, 60_000);

const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info({ metricsPort: http.port }, "stock ready");

drainOnSignals(log, [
  () => clearInterval(reminders),
  () => clearInterval(minTimer),
  () => consumer.stop(),
  () => nc.drain(),
  () => db.destroy(),
  () => http.server.close(),
]);
