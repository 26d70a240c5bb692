import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import { entityOf, REF_KINDS, type RefBody } from "./diff";

/**
 * The registry as the pipeline knows it: the latest recorded reference event of each prison,
 * machine and item from one registry source (the recorder keeps every accepted event in
 * ingest.raw_event), and the highest seq recorded from that source.
 */
export async function recordedRegistry(
  db: Kysely<Database>,
  sourceId: string,
): Promise<{ bodies: RefBody[]; maxSeq: number }> {
  const r = await sql<{ kind: string; payload: Record<string, unknown> }>`
    SELECT DISTINCT ON (kind, entity) kind, payload
      FROM (SELECT kind, seq, payload,
                   CASE kind WHEN 'ref_prison' THEN prison_id
                             WHEN 'ref_machine' THEN payload->>'machineId'
                             ELSE payload->>'itemId' END AS entity
              FROM ingest.raw_event
             WHERE source_id = ${sourceId} AND kind IN (${sql.join([...REF_KINDS])})) x
     ORDER BY kind, entity, seq DESC`.execute(db);
  const m = await sql<{ max: string | null }>`
    SELECT max(seq)::text AS max FROM ingest.raw_event WHERE source_id = ${sourceId}`.execute(db);
  const bodies = r.rows.map(({ payload }) => {
    const { v: _v, sourceId: _s, seq: _q, time: _t, ...body } = payload;
    return body as unknown as RefBody;
  });
  bodies.sort((a, b) => `${a.kind}/${entityOf(a)}`.localeCompare(`${b.kind}/${entityOf(b)}`));
  return { bodies, maxSeq: Number(m.rows[0]?.max ?? 0) };
}

/** Event keys of `keys` the recorder has stored (ingest.event_key). */
export async function recordedKeys(db: Kysely<Database>, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const r = await sql<{ event_key: string }>`
    SELECT event_key FROM ingest.event_key WHERE event_key IN (${sql.join(keys)})`.execute(db);
  return new Set(r.rows.map((x) => x.event_key));
}

/** Waits until every key is recorded; returns those still missing after `timeoutMs`. */
export async function waitForRecorded(
  db: Kysely<Database>,
  keys: string[],
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const have = await recordedKeys(db, keys);
    const missing = keys.filter((k) => !have.has(k));
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The machine's latest registration from the registry source, if the pipeline recorded one. */
export async function registeredMachine(
  db: Kysely<Database>,
  sourceId: string,
  machineId: string,
): Promise<{ prisonId: string; active: boolean } | undefined> {
  const r = await sql<{ prison_id: string; active: boolean }>`
    SELECT prison_id, (payload->>'active')::boolean AS active
      FROM ingest.raw_event
     WHERE source_id = ${sourceId} AND kind = 'ref_machine' AND payload->>'machineId' = ${machineId}
     ORDER BY seq DESC LIMIT 1`.execute(db);
  const row = r.rows[0];
  return row === undefined ? undefined : { prisonId: row.prison_id, active: row.active };
}

/** Why the gateway refused what a source published since `since` (dead letters, reason and text). */
export async function refusedSince(db: Kysely<Database>, sourceId: string, since: Date): Promise<string[]> {
  const r = await sql<{ reason: string; message: string }>`
    SELECT reason, message FROM ingest.dead_letter
     WHERE source = ${sourceId} AND received_at >= ${since}
     ORDER BY received_at LIMIT 20`.execute(db);
  return r.rows.map((x) => `${x.reason}: ${x.message}`);
}
