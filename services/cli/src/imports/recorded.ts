import { censusSourceId, healthSourceId } from "@hrvend/devices";
import {
  highestSeqs,
  latestCensus,
  oatEventsAround,
  prisonTimeZones,
  recordedKeys,
} from "@hrvend/recorder/read";
import type { Database } from "@hrvend/runtime/db";
import { localDate } from "@hrvend/runtime/time";
import type { Kysely } from "kysely";
import { type CensusRow, censusKey } from "./census";
import type { CensusFigures, OatContent, Recorded } from "./changes";
import { oatKey } from "./oat";
import type { KnownPrisons } from "./prisons";

/**
 * What an import compares with is what the pipeline itself recorded (the recorder's
 * ingest.raw_event, idempotent on `source:seq`), not a state file of the command's: a second
 * run, from any host, sees the first run's events once the recorder has them (`waitRecorded`).
 */

/**
 * The registry's prisons among `ids`, with their time zones (latest ref_prison of each). Every
 * prison is loaded and `ids` compared here: a file's cells are never sent to the database, whose
 * log may keep a statement's parameters (a file with its columns swapped holds client ids there).
 */
export async function knownPrisons(db: Kysely<Database>, ids: readonly string[]): Promise<KnownPrisons> {
  if (ids.length === 0) return new Map();
  const rows = await prisonTimeZones(db);
  const named = new Set(ids);
  return new Map(rows.filter((x) => named.has(x.prison_id)).map((x) => [x.prison_id, x.time_zone]));
}

/** Latest recorded census per (prison, date) from the prisons' census offices. */
export async function recordedCensus(
  db: Kysely<Database>,
  prisons: readonly string[],
): Promise<Recorded<CensusFigures>> {
  const sources = [...new Set(prisons)].map(censusSourceId);
  const latest = new Map<string, CensusFigures>();
  for (const e of await latestCensus(db, sources))
    latest.set(censusKey(e as Pick<CensusRow, "prisonId" | "date">), {
      population: e.population,
      admissions: e.admissions,
      releases: e.releases,
    });
  return { latest, highestSeq: await highestSeqs(db, sources) };
}

/**
 * Latest recorded OAT register event per (client token, prison, local date, event) from the
 * prisons' health units, for the dates of the file (a day either side: an instant's UTC day may
 * differ from its local one).
 */
export async function recordedOat(
  db: Kysely<Database>,
  prisons: KnownPrisons,
  dates: { from: string; to: string } | undefined,
): Promise<Recorded<OatContent>> {
  const sources = [...prisons.keys()].map(healthSourceId);
  const latest = new Map<string, OatContent & { seq: number }>();
  if (dates !== undefined) {
    for (const { payload: e, seq } of await oatEventsAround(db, sources, dates)) {
      const tz = prisons.get(e.prisonId);
      if (tz === undefined) continue;
      const key = oatKey({ ...e, date: localDate(Date.parse(e.time), tz) });
      const s = Number(seq);
      if ((latest.get(key)?.seq ?? 0) > s) continue;
      latest.set(key, {
        seq: s,
        medicine: e.medicine,
        doseMg: e.doseMg,
        dischargeReason: e.dischargeReason,
        time: e.time,
      });
    }
  }
  return { latest, highestSeq: await highestSeqs(db, sources) };
}

/**
 * Waits until the recorder has stored every key (the import's proof of delivery, and what makes
 * an immediate re-run see it), or the deadline passes; returns the keys still missing.
 */
export async function waitRecorded(
  db: Kysely<Database>,
  keys: readonly string[],
  timeoutMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<string[]> {
  let missing = [...keys];
  const deadline = Date.now() + timeoutMs;
  while (missing.length > 0) {
    const found = await recordedKeys(db, missing);
    missing = missing.filter((k) => !found.has(k));
    if (missing.length === 0 || Date.now() >= deadline) break;
    await sleep(500);
  }
  return missing;
}
