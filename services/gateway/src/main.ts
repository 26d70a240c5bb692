import { serveMetrics } from "@hrvend/runtime/metrics";
import { connectNats, ensureStreams } from "@hrvend/runtime/nats";
import { drainOnSignals } from "@hrvend/runtime/service";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import pino from "pino";
import { JetStreamAcks } from "./adapters/jetstream-acks";
import { startIntake } from "./adapters/mqtt-intake";
import { StreamPublisher } from "./adapters/stream-publisher";
import { gatewayConfig } from "./config";
import { Gateway } from "./gateway";
import { gatewayMetrics } from "./metrics";
import { openRegistry } from "./registry";

const config = gatewayConfig();
const log = pino({ name: "gateway", level: config.logLevel, base: { gateway: config.id } });

const nc = await connectNats({
  url: config.nats.url,
  user: config.nats.user,
  password: config.nats.pass,
  name: `gateway-${config.id}`,
});
// No API check: a cluster just started has no JetStream leader yet; ensureStreams and
// waitForStream retry until it has.
const jsm = await jetstreamManager(nc, { checkAPI: false });
// The gateway owns the events stream's subjects: a kind added to the contract is added to a stream
// created before it.
await ensureStreams(jsm, { ...config.streams, addMissingEventSubjects: true });
const js = jetstream(nc);

const { snapshot, known, feed } = await openRegistry(nc, jsm, js, config);
const metrics = gatewayMetrics();
const gateway = new Gateway({
  publisher: new StreamPublisher(new JetStreamAcks(nc), config.streams, config.partitions),
  registry: feed,
  snapshot,
  known,
  metrics,
  log,
  clock: () => new Date(),
  maxClockSkewMs: config.maxClockSkewMs,
  unknownMachineGraceMs: config.unknownMachineGraceMs,
});
const http = await serveMetrics(metrics.registry, config.metricsPort, config.metricsHost);
const clients = await startIntake(
  { ...config.mqtt, clientIdPrefix: `hrvend-gw-${config.id}` },
  (t, p) => gateway.handle(t, p),
  log,
);
log.info(
  {
    machines: known.size,
    registryKept: snapshot.events().length,
    metricsPort: http.port,
    connections: clients.length,
  },
  "gateway ready",
);

drainOnSignals(log, [
  () => gateway.drain(10_000),
  () => Promise.all(clients.map((c) => c.endAsync(true))),
  () => nc.drain(),
  () => http.server.close(),
]);
