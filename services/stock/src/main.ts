import { serveMetrics } from "@hrvend/runtime/metrics";
import {
  DEFAULT_STREAMS,
  ensureStreams,
  startCommittedConsumer,
  startStreamConsumers,
} from "@hrvend/runtime/nats";
import { drainOnSignals, startStreamService } from "@hrvend/runtime/service";
import { AlertPublisher } from "./alert-publisher";
import { stockMetrics } from "./announce";
import { stockConfig } from "./config";
import { deadSeqWriter, stockWriter } from "./consume";
import { LivePartitions } from "./live-partitions";
import { startLiveTimer } from "./live-timer";
import { MachineCache } from "./machine-cache";
import { ReferenceCache } from "./reference-cache";
import { startMinRefresh } from "./reorder-mins";

// Wiring only: config → runtime → consumers (consume.ts) → live timer (live-timer.ts).
const config = stockConfig();
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
const mins = await startMinRefresh(db, log, config.MIN_REFRESH_SECONDS);
const deps = {
  db,
  publisher: new AlertPublisher(js, config.ALERTS_STREAM),
  policy: mins.lookup === undefined ? config.policy : { ...config.policy, lowStockMin: mins.lookup },
  log,
  gapBoundMs: config.GAP_BOUND_SECONDS * 1000,
  metrics: stockMetrics(registry),
  caches: { machines: new MachineCache(), reference: new ReferenceCache() },
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
  write: stockWriter(deps),
  // A partition lost: its machines leave the cache; the catalogue and zones are read again.
  onChange: (owns) => {
    deps.caches.machines.retain(owns);
    deps.caches.reference.reset();
  },
  extraUnits: {
    dead: () =>
      startCommittedConsumer({
        ...common,
        stream: config.DEAD_STREAM,
        durable: `${config.CONSUMER}-dead`,
        write: deadSeqWriter(deps),
      }),
  },
});
const stopTimer = startLiveTimer({
  ...deps,
  live: new LivePartitions(jsm, config),
  owns: (prisonId) => consumer.owns(prisonId),
  tickSeconds: config.TICK_SECONDS,
  reminderMinutes: config.REMINDER_MINUTES,
});

const http = await serveMetrics(registry, config.METRICS_PORT, config.METRICS_HOST);
log.info({ metricsPort: http.port }, "stock ready");

drainOnSignals(log, [
  stopTimer,
  mins.stop,
  () => consumer.stop(),
  () => nc.drain(),
  () => db.destroy(),
  () => http.server.close(),
]);
