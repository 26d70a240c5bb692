import { serveMetrics } from "@hrvend/runtime/metrics";
import { connectNats, ensureStreams } from "@hrvend/runtime/nats";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import pino from "pino";
import { loadGatewayConfig } from "./config";
import { Gateway } from "./gateway";
import { gatewayMetrics } from "./gateway-metrics";
import { KnownMachines } from "./known-machines";
import { startIntake } from "./mqtt-intake";
import { RegistryFeed } from "./registry-feed";
import { RegistrySnapshot } from "./registry-snapshot";
import { StreamPublisher } from "./stream-publisher";

const config = loadGatewayConfig(process.env);
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

// The registry as admitted so far, from the bucket that outlives the stream's max age, then
// what the stream adds (the same events again are ignored: ordered per source by seq).
const snapshot = await RegistrySnapshot.open(nc, config.registryBucket, config.streams.replicas ?? 1);
const known = new KnownMachines();
for (const e of snapshot.events()) if (e.kind === "ref_machine") known.apply(e);
const subjects = config.streams.eventSubjects;
const registry = new RegistryFeed(jsm, js, config.streams.events, known, subjects, { snapshot });
await registry.refresh();
// Prisons and items the stream still holds but the bucket does not (admitted before it existed).
await new RegistryFeed(jsm, js, config.streams.events, known, subjects, {
  kinds: ["ref_prison", "ref_item"],
  snapshot,
}).refresh();
const metrics = gatewayMetrics();
const gateway = new Gateway({
  publisher: new StreamPublisher(js, config.streams, config.partitions),
  registry,
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

let stopping = false;
async function drain(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal, pending: gateway.pending }, "draining");
  // Leave the subscription in place: the broker keeps queueing for this persistent session
  // (and shares new messages with other instances). Messages not yet in JetStream stay
  // unacknowledged and are redelivered when this gateway comes back.
  gateway.stop();
  const deadline = Date.now() + 10_000;
  while (gateway.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await nc.drain();
  http.server.close();
  log.info("stopped");
  log.flush(() => process.exit(0));
}
process.once("SIGTERM", () => void drain("SIGTERM"));
process.once("SIGINT", () => void drain("SIGINT"));
