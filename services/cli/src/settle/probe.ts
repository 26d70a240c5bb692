import type { Database } from "@hrvend/infra/db";
import type { JetStreamManager } from "@nats-io/jetstream";
import { type Kysely, sql } from "kysely";
import type { ConsumerLag, PublicationLag, SettleSnapshot } from "./settle";

/**
 * Reads where everything stands: from the NATS server, every durable consumer of the given
 * streams (partitioned `<service>-p<k>` ones included) with the messages of its filter not yet
 * delivered plus those delivered and not acknowledged — a service acknowledges only after it
 * committed, and a parked message is acknowledged once parked, so it counts as reached; from the
 * database, consumers with a committed position that the server does not know (the service is not
 * running), stale restock plans and the funder publication's revisions behind the figures.
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
      const info = await jsm.streams.info(stream).catch(() => undefined);
      if (info === undefined) continue; // an optional stream (alerts) that nobody created
      heads[stream] = info.state.last_seq;
      for await (const ci of jsm.consumers.list(stream)) {
        const durable = ci.config.durable_name;
        if (!durable) continue; // ordered and ephemeral readers (a replay, a watcher) are nobody's position
        known.add(`${stream}/${durable}`);
        consumers.push({ stream, consumer: durable, behind: ci.num_pending + ci.num_ack_pending });
      }
    }
    const positions = await sql<{ consumer: string; stream: string }>`
      SELECT consumer, stream FROM ingest.stream_position`.execute(db);
    for (const p of positions.rows)
      if (p.stream in heads && !known.has(`${p.stream}/${p.consumer}`))
        consumers.push({ stream: p.stream, consumer: p.consumer, behind: 0, missing: true });
    return { consumers, heads, publications: await publications(db) };
  };
}

async function publications(db: Kysely<Database>): Promise<PublicationLag[]> {
  // Plans are recomputed a few seconds after the data they use (throttled); the funder
  // publication at most every second and at rest. A schema a deployment does not run is skipped.
  const plans = await sql<{ n: string }>`
    SELECT count(*) AS n FROM reorder.prison p LEFT JOIN reorder.restock_plan rp USING (prison_id)
    WHERE p.time_zone IS NOT NULL AND (rp.revision IS NULL OR rp.revision <> p.revision)`
    .execute(db)
    .then((r) => Number(r.rows[0]?.n ?? 0))
    .catch(() => undefined);
  const publication = await sql<{ n: string }>`
    SELECT figure_revision - published_revision AS n FROM coverage.publish_state`
    .execute(db)
    .then((r) => Number(r.rows[0]?.n ?? 0))
    .catch(() => undefined);
  return [
    ...(plans === undefined ? [] : [{ name: "restock plans", behind: plans }]),
    ...(publication === undefined ? [] : [{ name: "funder publication", behind: Math.max(0, publication) }]),
  ];
}
