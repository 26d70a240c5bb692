import { localDate } from "@hrvend/runtime/time";
import { type ColumnSpec, readCsv } from "./csv";
import type { RowProblem } from "./errors";
import { countField, dateField, type Field } from "./fields";
import { type KnownPrisons, prisonOf } from "./prisons";

/**
 * The census file: one row per prison and local day (README, "Importing the census and the OAT
 * register"). Limits are the contract's (schemas/src/kinds.ts, Census).
 */
export const CENSUS_COLUMNS: readonly ColumnSpec[] = [
  { name: "prison", aliases: ["prison_id", "facility", "facility_id", "institution"], required: true },
  { name: "date", aliases: ["day", "census_date", "report_date"], required: true },
  { name: "population", aliases: ["headcount", "inmates", "prisoners"], required: true },
  { name: "admissions", aliases: ["admitted", "intake"], required: true },
  { name: "releases", aliases: ["released"], required: true },
];

export interface CensusRow {
  line: number;
  prisonId: string;
  date: string;
  population: number;
  admissions: number;
  releases: number;
}

/** A corrected row supersedes the earlier one with the same key: (prison, date). */
export const censusKey = (r: { prisonId: string; date: string }): string => `${r.prisonId}|${r.date}`;

export interface Parsed<R> {
  rows: R[];
  problems: RowProblem[];
}

/**
 * Reads and validates a census export. `now` (ms) decides which days are over: a census is
 * filed for a day that has ended, in the prison's own time zone. Two rows for the same prison and
 * day are both refused unless identical (then the later is refused as a duplicate): the file
 * itself would not say which is right.
 */
export function parseCensus(bytes: Buffer | string, prisons: KnownPrisons, now: number): Parsed<CensusRow> {
  const { rows, problems } = readCsv(bytes, CENSUS_COLUMNS);
  const valid: CensusRow[] = [];
  for (const { line, values } of rows) {
    const before = problems.length;
    const prisonId = prisonOf(line, values["prison"] ?? "", prisons, problems);
    const take = <T>(column: string, f: Field<T>): T | undefined => {
      if (f.ok) return f.value;
      problems.push({ line, column, problem: f.problem });
      return undefined;
    };
    const date = take("date", dateField(values["date"] ?? ""));
    const population = take("population", countField(values["population"] ?? "", 100_000));
    const admissions = take("admissions", countField(values["admissions"] ?? "", 10_000));
    const releases = take("releases", countField(values["releases"] ?? "", 10_000));
    if (prisonId !== undefined && date !== undefined) {
      const tz = prisons.get(prisonId) ?? "UTC";
      if (date >= localDate(now, tz))
        problems.push({
          line,
          column: "date",
          problem: "is today or later in the prison's time zone; a census is filed for a day that is over",
        });
    }
    if (problems.length > before) continue;
    valid.push({
      line,
      prisonId: prisonId as string,
      date: date as string,
      population: population as number,
      admissions: admissions as number,
      releases: releases as number,
    });
  }
  return dropDuplicates(valid, problems, censusKey, (a, b) =>
    a.population === b.population && a.admissions === b.admissions && a.releases === b.releases
      ? "repeats"
      : "conflicts with",
  );
}

/**
 * Rows with the same key: an exact repeat is refused (the first stays), differing rows are all
 * refused (the file does not say which is right). Keeps file order.
 */
export function dropDuplicates<R extends { line: number }>(
  rows: readonly R[],
  problems: RowProblem[],
  key: (r: R) => string,
  compare: (first: R, other: R) => "repeats" | "conflicts with",
): Parsed<R> {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const k = key(r);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: R[] = [];
  for (const r of rows) {
    const group = groups.get(key(r)) ?? [r];
    const first = group[0] as R;
    if (group.length === 1) {
      out.push(r);
      continue;
    }
    const conflict = group.some((o) => compare(first, o) === "conflicts with");
    if (r === first && !conflict) {
      out.push(r);
      continue;
    }
    const others = group.filter((o) => o !== r).map((o) => o.line);
    problems.push({
      line: r.line,
      problem: conflict
        ? `gives other figures for the same key as line${others.length > 1 ? "s" : ""} ${others.join(", ")}; keep one row per key`
        : `repeats line ${first.line} exactly`,
    });
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows: out, problems };
}
