import { censusSourceId, healthSourceId } from "@hrvend/devices";
import { EVENT_SCHEMAS, type EventOf, SCHEMA_VERSION } from "@hrvend/schemas";
import { firstSeq, numberPerSource } from "../publish/seq";
import { type CensusRow, censusKey } from "./census";
import type { RowProblem } from "./errors";
import { type OatRow, oatKey, sameOat } from "./oat";

export type Change = "new" | "changed" | "unchanged";
export interface Planned<R> {
  row: R;
  change: Change;
}

/** What the pipeline has recorded for the file's sources: latest content per key, highest seq per source. */
export interface Recorded<C> {
  latest: ReadonlyMap<string, C>;
  highestSeq: ReadonlyMap<string, number>;
}

export type CensusFigures = Pick<CensusRow, "population" | "admissions" | "releases">;
export type OatContent = Pick<OatRow, "medicine" | "doseMg" | "dischargeReason" | "time">;

/**
 * Each row against what the pipeline recorded under its key: new (nothing yet), changed (a
 * correction: published, it supersedes the earlier one) or unchanged (nothing to publish).
 */
export function planCensus(
  rows: readonly CensusRow[],
  recorded: Recorded<CensusFigures>,
): Planned<CensusRow>[] {
  return rows.map((row) => {
    const was = recorded.latest.get(censusKey(row));
    const same =
      was !== undefined &&
      was.population === row.population &&
      was.admissions === row.admissions &&
      was.releases === row.releases;
    return { row, change: was === undefined ? "new" : same ? "unchanged" : "changed" };
  });
}

export function planOat(rows: readonly OatRow[], recorded: Recorded<OatContent>): Planned<OatRow>[] {
  return rows.map((row) => {
    const was = recorded.latest.get(oatKey(row));
    return { row, change: was === undefined ? "new" : sameOat(was, row) ? "unchanged" : "changed" };
  });
}

export interface Outgoing<E> {
  line: number;
  event: E;
}

/**
 * The events to publish for the new and changed rows, through the one contract: each prison's
 * census office (`<prison>-census`) or health unit (`<prison>-health`), the sources the broker's
 * accounts and the simulator use, numbered per source (publish/seq.ts). A census is dated by when
 * it is filed (`now`); an OAT event by the register's own date and time.
 */
export function censusEvents(
  planned: readonly Planned<CensusRow>[],
  recorded: Recorded<unknown>,
  now: Date,
): { events: Outgoing<EventOf<"census">>[]; problems: RowProblem[] } {
  const due = planned.filter((p) => p.change !== "unchanged").map((p) => p.row);
  const numbered = numberPerSource(
    due,
    (r) => censusSourceId(r.prisonId),
    (s) => firstSeq(now.getTime(), recorded.highestSeq.get(s)),
  );
  return validated(
    "census",
    numbered.map(({ item: r, sourceId, seq }) => ({
      line: r.line,
      event: {
        v: SCHEMA_VERSION,
        kind: "census" as const,
        prisonId: r.prisonId,
        sourceId,
        seq,
        time: now.toISOString(),
        date: r.date,
        population: r.population,
        admissions: r.admissions,
        releases: r.releases,
      },
    })),
  );
}

export function oatEvents(
  planned: readonly Planned<OatRow>[],
  recorded: Recorded<unknown>,
  now: Date,
): { events: Outgoing<EventOf<"oat">>[]; problems: RowProblem[] } {
  const due = planned.filter((p) => p.change !== "unchanged").map((p) => p.row);
  const numbered = numberPerSource(
    due,
    (r) => healthSourceId(r.prisonId),
    (s) => firstSeq(now.getTime(), recorded.highestSeq.get(s)),
  );
  return validated(
    "oat",
    numbered.map(({ item: r, sourceId, seq }) => ({
      line: r.line,
      event: {
        v: SCHEMA_VERSION,
        kind: "oat" as const,
        prisonId: r.prisonId,
        sourceId,
        seq,
        time: r.time,
        clientToken: r.clientToken,
        action: r.action,
        medicine: r.medicine,
        ...(r.doseMg === undefined ? {} : { doseMg: r.doseMg }),
        ...(r.dischargeReason === undefined ? {} : { dischargeReason: r.dischargeReason }),
      },
    })),
  );
}

/** Every event passes the contract before it leaves (the gateway would dead-letter it anyway). */
function validated<K extends "census" | "oat">(
  kind: K,
  out: Outgoing<EventOf<K>>[],
): { events: Outgoing<EventOf<K>>[]; problems: RowProblem[] } {
  const events: Outgoing<EventOf<K>>[] = [];
  const problems: RowProblem[] = [];
  for (const o of out) {
    const r = EVENT_SCHEMAS[kind].safeParse(o.event);
    if (r.success) events.push(o);
    else
      problems.push({
        line: o.line,
        problem: `breaks the event contract: ${r.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
      });
  }
  return { events, problems };
}
