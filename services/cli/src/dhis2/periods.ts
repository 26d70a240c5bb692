import { periodOf } from "@hrvend/coverage";
import { addDays } from "@hrvend/runtime/time";

/**
 * DHIS2 period identifiers (docs.dhis2.org, "Date and period format"): `2026` yearly, `2026Q1`
 * quarterly, `202601` monthly, `2026W2`/`2026W02` ISO weekly (Monday first). The dates are the
 * prisons' local calendar dates, as hrvend's coverage periods are.
 */
export type Dhis2PeriodType = "year" | "quarter" | "month" | "week";

export interface Dhis2Period {
  /** Canonical DHIS2 identifier (weeks without a leading zero, as DHIS2 writes them). */
  id: string;
  type: Dhis2PeriodType;
  /** First local date. */
  start: string;
  /** Last local date (inclusive). */
  end: string;
  /** The same period as an ADX (SDMX) time range: start date and ISO 8601 duration. */
  adx: string;
}

export class Dhis2PeriodError extends Error {
  override name = "Dhis2PeriodError";
}

const DURATION: Record<Dhis2PeriodType, string> = { year: "P1Y", quarter: "P3M", month: "P1M", week: "P7D" };

function make(type: Dhis2PeriodType, id: string, start: string, end: string): Dhis2Period {
  return { id, type, start, end, adx: `${start}/${DURATION[type]}` };
}

/** The Monday of ISO week 1 of a year: the week that holds 4 January. */
function isoWeekOneMonday(year: number): string {
  return periodOf(`${String(year).padStart(4, "0")}-01-04`, "week").start;
}

export function parseDhis2Period(text: string): Dhis2Period {
  const s = text.trim();
  let m = /^(\d{4})$/.exec(s);
  if (m) return make("year", s, `${m[1]}-01-01`, `${m[1]}-12-31`);
  m = /^(\d{4})Q([1-4])$/.exec(s);
  if (m) {
    const p = periodOf(`${m[1]}-${String((Number(m[2]) - 1) * 3 + 1).padStart(2, "0")}-01`, "quarter");
    return make("quarter", s, p.start, p.end);
  }
  m = /^(\d{4})(0[1-9]|1[0-2])$/.exec(s);
  if (m) {
    const p = periodOf(`${m[1]}-${m[2]}-01`, "month");
    return make("month", s, p.start, p.end);
  }
  m = /^(\d{4})W(\d{1,2})$/.exec(s);
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    const monday = addDays(isoWeekOneMonday(year), (week - 1) * 7);
    // A year has 52 or 53 ISO weeks: week 53 exists only when it still belongs to the year.
    if (week < 1 || isoWeekOneMonday(year + 1) <= monday)
      throw new Dhis2PeriodError(`'${text}': ${year} has no ISO week ${week}`);
    return make("week", `${year}W${week}`, monday, addDays(monday, 6));
  }
  throw new Dhis2PeriodError(
    `'${text}' is not a DHIS2 period: use a year (2026), quarter (2026Q1), month (202601) or ISO week (2026W02)`,
  );
}
