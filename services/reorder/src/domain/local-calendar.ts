import { InvalidParameterError, InvalidTimeZoneError } from "./errors";

/** A prison's local calendar day, `YYYY-MM-DD`. */
export type LocalDate = string;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Offsets are cached per quarter hour: every zone in use changes offset on a 15-minute UTC boundary (Lord Howe at :30, Chatham at :00). */
const CACHE_BLOCK_MS = 15 * MINUTE_MS;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Local calendar arithmetic for one IANA time zone, with Intl only. Demand is bucketed by the
 * prison's local day (docs/domain.md: periods and days are counted in local time), and local days are
 * 23, 24 or 25 hours long across DST changes, so nothing here assumes 24 h between midnights.
 *
 * "Wall" milliseconds are local wall-clock time expressed on a UTC calendar (so that
 * `new Date(wall).toISOString()` prints the local date and time); instants are real epoch ms.
 */
export class LocalCalendar {
  private static readonly calendars = new Map<string, LocalCalendar>();
  private readonly offsets = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch (cause) {
      throw new InvalidTimeZoneError(timeZone, { cause });
    }
    if (timeZone.length === 0) throw new InvalidTimeZoneError(timeZone);
  }

  /** One shared calendar (and offset cache) per time zone. */
  static for(timeZone: string): LocalCalendar {
    let c = LocalCalendar.calendars.get(timeZone);
    if (c === undefined) {
      c = new LocalCalendar(timeZone);
      LocalCalendar.calendars.set(timeZone, c);
    }
    return c;
  }

  /** Minutes to add to UTC to get local time at instant `t`. */
  offsetMinutes(t: number): number {
    const block = Math.floor(t / CACHE_BLOCK_MS);
    let off = this.offsets.get(block);
    if (off === undefined) {
      off = this.computeOffset(block * CACHE_BLOCK_MS);
      this.offsets.set(block, off);
    }
    return off;
  }

  /** Local wall-clock time of instant `t`. */
  wallOf(t: number): number {
    return t + this.offsetMinutes(t) * MINUTE_MS;
  }

  /**
   * The instant at local wall-clock time `wall`. A wall time skipped by a DST gap resolves with
   * the offset in force before the gap (03:30 on a spring-forward night becomes 04:30 summer
   * time); a repeated one resolves to the earlier instant (as Temporal's "compatible" does).
   */
  instantOfWall(wall: number): number {
    const before = this.offsetMinutes(wall - DAY_MS) * MINUTE_MS;
    const after = this.offsetMinutes(wall + DAY_MS) * MINUTE_MS;
    const candidates = [wall - before, wall - after].filter((t) => this.wallOf(t) === wall);
    if (candidates.length > 0) return Math.min(...candidates);
    return wall - before;
  }

  /** Local calendar date of instant `t`. */
  dateOf(t: number): LocalDate {
    return new Date(this.wallOf(t)).toISOString().slice(0, 10);
  }

  /** The instant at local time `hours` (0 ≤ hours < 24, fractions allowed) on local `date`. */
  atLocalTime(date: LocalDate, hours: number): number {
    return this.instantOfWall(LocalCalendar.wallMidnight(date) + hours * 3_600_000);
  }

  /** First instant of local `date` (its midnight, or the end of a DST gap that swallows midnight). */
  startOfDay(date: LocalDate): number {
    return this.atLocalTime(date, 0);
  }

  /** Length of local `date` in ms: 23, 24 or 25 hours around DST changes. */
  dayLengthMs(date: LocalDate): number {
    return this.startOfDay(LocalCalendar.addDays(date, 1)) - this.startOfDay(date);
  }

  /** The instant `days` local days after `t` at the same local wall-clock time (fractions allowed). */
  plusLocalDays(t: number, days: number): number {
    return this.instantOfWall(this.wallOf(t) + days * DAY_MS);
  }

  /** ISO 8601 with the local offset, to the second: `2026-03-31T10:00:00+03:00`. */
  isoLocal(t: number): string {
    const off = this.offsetMinutes(t);
    const wall = new Date(Math.floor(t / 1000) * 1000 + off * MINUTE_MS).toISOString().slice(0, 19);
    const sign = off < 0 ? "-" : "+";
    const abs = Math.abs(off);
    return `${wall}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  /** Wall ms of local midnight starting `date` (date arithmetic on a UTC calendar). */
  static wallMidnight(date: LocalDate): number {
    const m = DATE_PATTERN.exec(date);
    const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
    if (!m || new Date(ms).toISOString().slice(0, 10) !== date)
      throw new InvalidParameterError(`'${date}' is not a calendar date YYYY-MM-DD`, { date });
    return ms;
  }

  /** `date` plus `days` calendar days. */
  static addDays(date: LocalDate, days: number): LocalDate {
    return new Date(LocalCalendar.wallMidnight(date) + days * DAY_MS).toISOString().slice(0, 10);
  }

  /** Calendar days from `from` to `to` (negative when `to` is earlier). */
  static daysBetween(from: LocalDate, to: LocalDate): number {
    return Math.round((LocalCalendar.wallMidnight(to) - LocalCalendar.wallMidnight(from)) / DAY_MS);
  }

  /** Weekday of `date`, Monday = 0 … Sunday = 6 (the simulator's `weekly[7]` order). */
  static weekday(date: LocalDate): number {
    const dayIndex = Math.floor(LocalCalendar.wallMidnight(date) / DAY_MS);
    // 1970-01-01 was a Thursday (Monday-based weekday 3).
    return (((dayIndex + 3) % 7) + 7) % 7;
  }

  private computeOffset(t: number): number {
    const parts = this.format.formatToParts(new Date(t));
    const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
    const asUtc = Date.UTC(
      get("year"),
      get("month") - 1,
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
    );
    return Math.round((asUtc - t) / MINUTE_MS);
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
