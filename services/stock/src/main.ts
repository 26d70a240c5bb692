import { configOrExit } from "@hrvend/runtime";
import { serveMetrics } from "@hrvend/runtime/metrics";
import {
  DEFAULT_STREAMS,
  ensureStreams,
  startCommittedConsumer,
  startStreamConsumers,
} from "@hrvend/runtime/nats";
import { drainOnSignals, startStreamService } from "@hrvend/runtime/service";
import { AlertPublisher, alertMessage } from "./alert-publisher";
import { loadStockConfig } from "./config";
import { remindersDue } from "./domain";
import { LivePartitions } from "./live-partitions";
import { ReorderMins } from "./reorder-mins";
import { activeAlerts, markRemindedIfActive, tickMachines } from "./stock-store";
import { announce, deadSeqWriter, stockMetrics, stockWriter } from "./stock-writer";

const config = configOrExit("stock", () => loadStockConfig(process.env));
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
  // The gateway creates the dead-letter stream with the events stream; it exists by now.
  dead: config.DEAD_STREAM,
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
const writerDeps = {
  db,
  publisher,
  policy: config.MIN_REFRESH_SECONDS > 0 ? { ...config.policy, lowStockMin: mins.lookup } : config.policy,
  log,
  gapBoundMs: config.GAP_BOUND_SECONDS * 1000,
  metrics: stockMetrics(registry),
};
const common = {
  js,
  jsm,
  db,
  log,
  registry,
  maxBatch: config.BATCH_SIZE,
  maxWaitMs: config.BATCH_WAIT_MS,
  maxTries: config.MAX_TRIES,
};
const consumer = await startStreamConsumers({
  ...common,
  nc,
  partitioning: config,
  stream: config.EVENTS_STREAM,
  durable: config.CONSUMER,
  write: stockWriter(writerDeps),
  extraUnits: {
    dead: () =>
      startCommittedConsumer({
        ...common,
        stream: config.DEAD_STREAM,
        durable: `${config.CONSUMER}-dead`,
        write: deadSeqWriter(writerDeps),
      }),
  },
});

// The live timer (service clock; never while a partition replays its backlog, whose times lie in
// the past): silence and lot expiry, gaps held past the bound, reminders. Each instance does it
// for the prisons it owns.
const live = new LivePartitions(jsm, config);
let ticking = false;
const timer = setInterval(async () => {
  if (ticking) return;
  ticking = true;
  try {
    await live.refresh();
    const owns = (prisonId: string) => consumer.owns(prisonId) && live.isLive(prisonId);
    const now = new Date().toISOString();
    await announce(
      writerDeps,
      await tickMachines(db, now, writerDeps.policy, writerDeps.gapBoundMs, owns),
      now,
    );
    await sendReminders(now, owns);
  } catch (err) {
    log.warn({ err }, "live timer failed; next round will retry");
  } finally {
    ticking = false;
  }
}, config.TICK_SECONDS * 1000);

// Reminders while an offline or stockout alert lasts. The row is updated only while the alert is
// still active (a clear committed meanwhile wins), so a reminder never brings a cleared alert back.
async function sendReminders(now: string, owns: (prisonId: string) => boolean): Promise<void> {
  const mine = (await activeAlerts(db)).filter((a) => owns(a.prisonId ?? ""));
  for (const r of remindersDue(mine, now, config.REMINDER_MINUTES)) {
    const alert = await markRemindedIfActive(db, r.alertId, now);
    if (alert) await publisher.publish(alertMessage(alert, "reminder", now));
  }
}

const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info({ metricsPort: http.port }, "stock ready");

drainOnSignals(log, [
  () => clearInterval(timer),
  () => clearInterval(minTimer),
  () => consumer.stop(),
  () => nc.drain(),
  () => db.destroy(),
  () => http.server.close(),
]);
