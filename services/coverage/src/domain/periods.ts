/**
 * Calendar periods in a prison's local time (docs/domain.md §Coverage definitions: per prison, per
 * period; the issue: day, week, month, quarter and year in each prison's local time zone).
 * Dates are ISO `YYYY-MM-DD` strings of the local calendar; the local date of an instant and the
 * date arithmetic come from the shared local-time module (`@hrvend/runtime/time`), which does the
 * arithmetic on a UTC calendar where every day has 24 hours, so daylight-saving changes cannot
 * shift a day. The grains, the periods and the regular-access windows are coverage's own.
 */
import { addDays, dateOfWall, daysBetween, wallMidnight, weekday } from "@hrvend/runtime/time";

export const GRAINS = ["day", "week", "month", "quarter", "year"] as const;
export type Grain = (typeof GRAINS)[number];

export interface Period {
  grain: Grain;
  /** First local date of the period. */
  start: string;
  /** Last local date of the period (inclusive). */
  end: string;
}

/** Days in a period, both ends included. */
export function periodDays(p: { start: string; end: string }): number {
  return daysBetween(p.start, p.end) + 1;
}

/** The period of a grain that contains a local date. Weeks are ISO weeks (Monday first). */
export function periodOf(date: string, grain: Grain): Period {
  const d = new Date(wallMidnight(date));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (grain) {
    case "day":
      return { grain, start: date, end: date };
    case "week": {
      const monday = addDays(date, -weekday(date));
      return { grain, start: monday, end: addDays(monday, 6) };
    }
    case "month":
      return { grain, start: dateOfWall(Date.UTC(y, m, 1)), end: dateOfWall(Date.UTC(y, m + 1, 0)) };
    case "quarter": {
      const q = Math.floor(m / 3) * 3;
      return { grain, start: dateOfWall(Date.UTC(y, q, 1)), end: dateOfWall(Date.UTC(y, q + 3, 0)) };
    }
    case "year":
      return { grain, start: `${y}-01-01`, end: `${y}-12-31` };
    default: {
      const never: never = grain;
      throw new Error(`unknown grain ${never}`);
    }
  }
}

/** Every period of a grain that overlaps [from, to], in order. */
export function periodsBetween(from: string, to: string, grain: Grain): Period[] {
  const out: Period[] = [];
  for (let p = periodOf(from, grain); p.start <= to; p = periodOf(addDays(p.end, 1), grain)) out.push(p);
  return out;
}

/**
 * Regular access (docs/domain.md: "share of clients who got supplies in every 30-day window of the
 * period", WHO SMART HIV.IND.9). The period is cut into consecutive 30-day windows from its
 * first day; a remainder shorter than 30 days joins the last window (a 31-day month is one
 * window, a 92-day quarter three, a year twelve). Periods shorter than 30 days have no window:
 * the figure is not defined for days and weeks.
 */
export const REGULAR_WINDOW_DAYS = 30;

export function regularWindows(p: { start: string; end: string }): number {
  return Math.floor(periodDays(p) / REGULAR_WINDOW_DAYS);
}

/** Index of the 30-day window a date of the period falls in, or -1 when the period has none. */
export function windowIndex(p: { start: string; end: string }, date: string): number {
  const n = regularWindows(p);
  if (n === 0) return -1;
  return Math.min(Math.floor(daysBetween(p.start, date) / REGULAR_WINDOW_DAYS), n - 1);
}

/** The bit mask of a client seen in every window (0 when the period has no window). */
export function fullWindowMask(p: { start: string; end: string }): number {
  return 2 ** regularWindows(p) - 1;
}
