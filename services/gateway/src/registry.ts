import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { RegistryFeed } from "./adapters/registry-feed";
import { RegistrySnapshot } from "./adapters/registry-snapshot";
import type { GatewayConfig } from "./config";
import { KnownMachines } from "./domain/known-machines";

/**
 * The registry as admitted so far, from the bucket that outlives the stream's max age, then what
 * the stream adds (the same events again are ignored: ordered per source by seq).
 */
export async function openRegistry(
  nc: NatsConnection,
  jsm: JetStreamManager,
  js: JetStreamClient,
  config: Pick<GatewayConfig, "registryBucket" | "streams">,
): Promise<{ snapshot: RegistrySnapshot; known: KnownMachines; feed: RegistryFeed }> {
  const snapshot = await RegistrySnapshot.open(nc, config.registryBucket, config.streams.replicas ?? 1);
  const known = new KnownMachines();
  for (const e of snapshot.events()) if (e.kind === "ref_machine") known.apply(e);
  const subjects = config.streams.eventSubjects;
  const feed = new RegistryFeed(jsm, js, config.streams.events, known, subjects, { snapshot });
  await feed.refresh();
  // Prisons and items the stream still holds but the bucket does not (admitted before it existed).
  await new RegistryFeed(jsm, js, config.streams.events, known, subjects, {
    kinds: ["ref_prison", "ref_item"],
    snapshot,
  }).refresh();
  return { snapshot, known, feed };
}
