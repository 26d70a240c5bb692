import { InvalidDateError } from "./errors";

/**
 * Calendar arithmetic on local dates written `YYYY-MM-DD`. A date names a day of a local calendar;
 * the arithmetic itself needs no zone, so it is done on a UTC calendar where every day has 24 h and
 * no daylight-saving change can shift a day. Pure and fast: callers do this per event.
 */

/** A local calendar day, `YYYY-MM-DD`. */
export type LocalDate = string;

export const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Milliseconds of `date` at 00:00 on a UTC calendar ("wall" ms: local wall-clock time written on a
 * UTC calendar). Throws InvalidDateError unless `date` is a real calendar date `YYYY-MM-DD`.
 */
export function wallMidnight(date: LocalDate): number {
  const m = DATE_PATTERN.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  // Date.UTC rolls 2026-02-30 over to March: the round trip refuses it.
  if (!m || !Number.isFinite(ms) || dateOfWall(ms) !== date) throw new InvalidDateError(date);
  return ms;
}

/** The calendar date of wall ms `wall` (its UTC calendar date, as `toISOString` prints it). */
export function dateOfWall(wall: number): LocalDate {
  // Days to civil date (H. Hinnant's algorithm): callers do this per event, and it is several
  // times faster than formatting a Date. Years outside 0000–9999 go through Date's own format.
  const z = Math.floor(wall / DAY_MS) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (!(year >= 0 && year <= 9999)) return new Date(wall).toISOString().slice(0, 10);
  return `${String(year).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
}

/** Whether `date` is a calendar date `YYYY-MM-DD`. */
export function isLocalDate(date: string): boolean {
  try {
    wallMidnight(date);
    return true;
  } catch {
    return false;
  }
}

/** `date` plus `days` calendar days (negative goes back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  return dateOfWall(wallMidnight(date) + days * DAY_MS);
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((wallMidnight(to) - wallMidnight(from)) / DAY_MS);
}

/** Weekday of `date`, Monday = 0 … Sunday = 6 (ISO order; the simulator's `weekly[7]` order). */
export function weekday(date: LocalDate): number {
  const dayIndex = Math.floor(wallMidnight(date) / DAY_MS);
  // 1970-01-01 was a Thursday (Monday-based weekday 3).
  return (((dayIndex + 3) % 7) + 7) % 7;
}
