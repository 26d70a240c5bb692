import { publicationLag } from "@hrvend/coverage/read";
import { streamPositions } from "@hrvend/recorder/read";
import { planFreshness } from "@hrvend/reorder/read";
import type { Database } from "@hrvend/runtime/db";
import { heldEvents } from "@hrvend/stock/read";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { ConsumerLag, PublicationLag, SettleSnapshot } from "./settle";

/**
 * Reads where everything stands: from the NATS server, every durable consumer of the given
 * streams (partitioned `<service>-p<k>` ones included) with the messages of its filter not yet
 * delivered plus those delivered and not acknowledged — a service acknowledges only after it
 * committed, and a parked message is acknowledged once parked, so it counts as reached; from the
 * database, consumers with a committed position that the server does not know (the service is not
 * running), events the stock service holds behind seq gaps, stale restock plans and the funder
 * publication's revisions behind the figures. A stream the server does not have is left out of
 * `heads` (the pure loop decides which ones are required); any other failure is thrown.
 */
export function settleProbe(
  jsm: JetStreamManager,
  db: Kysely<Database>,
  streams: readonly string[],
): () => Promise<SettleSnapshot> {
  return async () => {
    const consumers: ConsumerLag[] = [];
    const heads: Record<string, number> = {};
    const known = new Set<string>();
    for (const stream of streams) {
      const info = await jsm.streams.info(stream).catch((e: unknown) => {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return undefined;
        throw e;
      });
      if (info === undefined) continue; // required ones are checked by the loop (checkStreams)
      heads[stream] = info.state.last_seq;
      for await (const ci of jsm.consumers.list(stream)) {
        const durable = ci.config.durable_name;
        if (!durable) continue; // ordered and ephemeral readers (a replay, a watcher) are nobody's position
        known.add(`${stream}/${durable}`);
        consumers.push({ stream, consumer: durable, behind: ci.num_pending + ci.num_ack_pending });
      }
    }
    for (const p of await streamPositions(db))
      if (p.stream in heads && !known.has(`${p.stream}/${p.consumer}`))
        consumers.push({ stream: p.stream, consumer: p.consumer, behind: 0, missing: true });
    return { consumers, heads, publications: await publications(db), held: await heldByStock(db) };
  };
}

/**
 * Events the stock service acknowledged but holds in a machine's seq-order buffer (its stored
 * `seq_order.held`) until the gap before them fills or the bound passes. A deployment without
 * the stock schema has none; any other failure (e.g. a role that may not read it) is thrown
 * rather than read as zero.
 */
async function heldByStock(db: Kysely<Database>): Promise<number | undefined> {
  try {
    return await heldEvents(db);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "42P01" || code === "3F000") return undefined; // undefined_table, invalid_schema_name
    throw e;
  }
}

async function publications(db: Kysely<Database>): Promise<PublicationLag[]> {
  // Plans are recomputed a few seconds after the data they use (throttled); the funder
  // publication at most every second and at rest. A schema a deployment does not run is skipped.
  const plans = await planFreshness(db)
    .then((f) => f.stale)
    .catch(() => undefined);
  const publication = await publicationLag(db).catch(() => undefined);
  return [
    ...(plans === undefined ? [] : [{ name: "restock plans", behind: plans }]),
    ...(publication === undefined ? [] : [{ name: "funder publication", behind: Math.max(0, publication) }]),
  ];
}
