import type { EventOf } from "@hrvend/schemas";
import { sql } from "kysely";
import { type AnyDb, recorderDb } from "./store/db";

/**
 * What other workspaces (the CLI, tests) read of the recorder's tables, in one place. Operators'
 * dashboards read the reporting views instead (`reporting.*`, never a raw event).
 */

/** Events recorded per kind (heartbeats from their rollups), with the first and last event time, most frequent first. */
export async function eventsByKind(
  db: AnyDb,
): Promise<{ kind: string; n: string; first: Date; last: Date }[]> {
  const r = await sql<{ kind: string; n: string; first: Date; last: Date }>`
    SELECT kind, n::text AS n, first, last FROM (
      SELECT kind, count(*) AS n, min(event_time) AS first, max(event_time) AS last
      FROM ingest.raw_event GROUP BY kind
      UNION ALL
      SELECT 'heartbeat', sum(heartbeats), min(first_at), max(last_at)
      FROM ingest.heartbeat_hourly HAVING count(*) > 0) x
    ORDER BY n DESC`.execute(recorderDb(db));
  return r.rows;
}

/** Dead letters per reason, with one message as an example, most frequent first. */
export async function deadLettersByReason(
  db: AnyDb,
): Promise<{ reason: string; n: string; example: string }[]> {
  const r = await sql<{ reason: string; n: string; example: string }>`
    SELECT reason, count(*) AS n, min(message) AS example FROM ingest.dead_letter GROUP BY reason ORDER BY 2 DESC`.execute(
    recorderDb(db),
  );
  return r.rows;
}

/** Why the gateway refused what a source published since `since` (at most 20, oldest first). */
export async function deadLettersFrom(
  db: AnyDb,
  sourceId: string,
  since: Date,
): Promise<{ reason: string; message: string }[]> {
  return recorderDb(db)
    .selectFrom("ingest.dead_letter")
    .select(["reason", "message"])
    .where("source", "=", sourceId)
    .where("received_at", ">=", since)
    .orderBy("received_at")
    .limit(20)
    .execute();
}

/** Every consumer's stored stream position (`ingest.stream_position`), by consumer name. */
export async function streamPositions(
  db: AnyDb,
): Promise<{ consumer: string; stream: string; stream_seq: string; updated_at: Date }[]> {
  return recorderDb(db)
    .selectFrom("ingest.stream_position")
    .select(["consumer", "stream", "stream_seq", "updated_at"])
    .orderBy("consumer")
    .execute();
}

/** The keys among `keys` the recorder has stored (`ingest.event_key`), 10,000 per statement. */
export async function recordedKeys(db: AnyDb, keys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += 10_000) {
    const r = await sql<{ event_key: string }>`
      SELECT event_key FROM ingest.event_key WHERE event_key = ANY(${keys.slice(i, i + 10_000)}::text[])`.execute(
      recorderDb(db),
    );
    for (const x of r.rows) found.add(x.event_key);
  }
  return found;
}

/** The highest seq recorded from each of the sources (absent: none recorded). */
export async function highestSeqs(db: AnyDb, sources: readonly string[]): Promise<Map<string, number>> {
  const r = await sql<{ source_id: string; seq: string }>`
    SELECT source_id, max(seq)::text AS seq FROM ingest.raw_event
    WHERE source_id = ANY(${[...sources]}::text[]) GROUP BY source_id`.execute(recorderDb(db));
  return new Map(r.rows.map((x) => [x.source_id, Number(x.seq)]));
}

/**
 * The payload of the latest recorded reference event (highest seq) of each entity (prison,
 * machine or item) of those kinds from one registry source.
 */
export async function latestReferenceEvents(
  db: AnyDb,
  sourceId: string,
  kinds: readonly string[],
): Promise<{ kind: string; payload: Record<string, unknown> }[]> {
  const r = await sql<{ kind: string; payload: Record<string, unknown> }>`
    SELECT DISTINCT ON (kind, entity) kind, payload
      FROM (SELECT kind, seq, payload,
                   CASE kind WHEN 'ref_prison' THEN prison_id
                             WHEN 'ref_machine' THEN payload->>'machineId'
                             ELSE payload->>'itemId' END AS entity
              FROM ingest.raw_event
             WHERE source_id = ${sourceId} AND kind IN (${sql.join([...kinds])})) x
     ORDER BY kind, entity, seq DESC`.execute(recorderDb(db));
  return r.rows;
}

/** The machine's latest registration (ref_machine) from the registry source, if one was recorded. */
export async function latestRegistration(
  db: AnyDb,
  sourceId: string,
  machineId: string,
): Promise<{ prison_id: string; active: boolean } | undefined> {
  const r = await sql<{ prison_id: string; active: boolean }>`
    SELECT prison_id, (payload->>'active')::boolean AS active
      FROM ingest.raw_event
     WHERE source_id = ${sourceId} AND kind = 'ref_machine' AND payload->>'machineId' = ${machineId}
     ORDER BY seq DESC LIMIT 1`.execute(recorderDb(db));
  return r.rows[0];
}

/** Every prison's time zone from its latest recorded ref_prison. */
export async function prisonTimeZones(db: AnyDb): Promise<{ prison_id: string; time_zone: string }[]> {
  const r = await sql<{ prison_id: string; time_zone: string }>`
    SELECT DISTINCT ON (prison_id) prison_id, payload->>'timeZone' AS time_zone
    FROM ingest.raw_event WHERE kind = 'ref_prison'
    ORDER BY prison_id, event_time DESC, seq DESC`.execute(recorderDb(db));
  return r.rows;
}

/** The latest recorded census per (prison, date) from the census offices `sources`. */
export async function latestCensus(db: AnyDb, sources: readonly string[]): Promise<EventOf<"census">[]> {
  const r = await sql<{ payload: EventOf<"census"> }>`
    SELECT DISTINCT ON (payload->>'prisonId', payload->>'date') payload
    FROM ingest.raw_event
    WHERE source_id = ANY(${[...sources]}::text[]) AND kind = 'census'
    ORDER BY payload->>'prisonId', payload->>'date', seq DESC`.execute(recorderDb(db));
  return r.rows.map((x) => x.payload);
}

/**
 * The OAT register events recorded from the health units `sources` with an event time from two
 * days before `dates.from` to two days after `dates.to` (an instant's UTC day may differ from its
 * local one), with their seq.
 */
export async function oatEventsAround(
  db: AnyDb,
  sources: readonly string[],
  dates: { from: string; to: string },
): Promise<{ payload: EventOf<"oat">; seq: string }[]> {
  const r = await sql<{ payload: EventOf<"oat">; seq: string }>`
    SELECT payload, seq::text AS seq FROM ingest.raw_event
    WHERE source_id = ANY(${[...sources]}::text[]) AND kind = 'oat'
      AND event_time >= ${dates.from}::date - 2 AND event_time < ${dates.to}::date + 3`.execute(
    recorderDb(db),
  );
  return r.rows;
}

/** Each consumer's committed stream sequence (of one stream, when named). */
export async function committedPositions(db: AnyDb, stream?: string): Promise<Map<string, number>> {
  let q = recorderDb(db).selectFrom("ingest.stream_position").select(["consumer", "stream_seq"]);
  if (stream !== undefined) q = q.where("stream", "=", stream);
  return new Map((await q.execute()).map((x) => [x.consumer, Number(x.stream_seq)]));
}

/** How many dead letters are stored. */
export async function deadLetterCount(db: AnyDb): Promise<number> {
  const r = await recorderDb(db)
    .selectFrom("ingest.dead_letter")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The key of every recorded event, in no order: raw events' keys (`ingest.raw_event`) and the
 * heartbeats' (`machine:seq`) from the seqs their machine-hour rollups counted
 * (`ingest.heartbeat_hourly`), so a heartbeat counted in two hours shows twice.
 */
export async function recordedEventKeys(db: AnyDb): Promise<string[]> {
  const raw = await recorderDb(db).selectFrom("ingest.raw_event").select("event_key").execute();
  const beats = await sql<{ event_key: string }>`
    SELECT h.machine_id || ':' || s AS event_key
    FROM ingest.heartbeat_hourly h, unnest(h.seqs) r, generate_series(lower(r), upper(r) - 1) s`.execute(
    recorderDb(db),
  );
  return [...raw.map((r) => r.event_key), ...beats.rows.map((r) => r.event_key)];
}

/** The heartbeat seqs counted per machine (from `ingest.heartbeat_hourly`), ascending, each as often as counted. */
export async function heartbeatSeqs(db: AnyDb): Promise<Map<string, number[]>> {
  const r = await sql<{ machine_id: string; seq: string }>`
    SELECT h.machine_id, s::text AS seq
    FROM ingest.heartbeat_hourly h, unnest(h.seqs) r, generate_series(lower(r), upper(r) - 1) s
    ORDER BY 1, s`.execute(recorderDb(db));
  const out = new Map<string, number[]>();
  for (const x of r.rows) out.set(x.machine_id, [...(out.get(x.machine_id) ?? []), Number(x.seq)]);
  return out;
}
