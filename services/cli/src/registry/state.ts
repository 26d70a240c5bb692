import {
  deadLettersFrom,
  highestSeqs,
  latestReferenceEvents,
  latestRegistration,
  recordedKeys,
} from "@hrvend/recorder/read";
import type { Database } from "@hrvend/runtime/db";
import type { Kysely } from "kysely";
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
  const rows = await latestReferenceEvents(db, sourceId, REF_KINDS);
  const maxSeq = (await highestSeqs(db, [sourceId])).get(sourceId) ?? 0;
  const bodies = rows.map(({ payload }) => {
    const { v: _v, sourceId: _s, seq: _q, time: _t, ...body } = payload;
    return body as unknown as RefBody;
  });
  bodies.sort((a, b) => `${a.kind}/${entityOf(a)}`.localeCompare(`${b.kind}/${entityOf(b)}`));
  return { bodies, maxSeq };
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
  const row = await latestRegistration(db, sourceId, machineId);
  return row === undefined ? undefined : { prisonId: row.prison_id, active: row.active };
}

/** Why the gateway refused what a source published since `since` (dead letters, reason and text). */
export async function refusedSince(db: Kysely<Database>, sourceId: string, since: Date): Promise<string[]> {
  return (await deadLettersFrom(db, sourceId, since)).map((x) => `${x.reason}: ${x.message}`);
}
