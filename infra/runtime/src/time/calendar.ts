import { Temporal } from "temporal-polyfill";
import { addDays, DAY_MS, dateOfWall, daysBetween, type LocalDate, wallMidnight, weekday } from "./dates";
import { InvalidInstantError, InvalidTimeZoneError } from "./errors";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const NS_PER_MINUTE = 60_000_000_000;

/** A stretch of time between two offset changes of a zone, [start, end) in epoch ms. */
interface Segment {
  start: number;
  end: number;
  offset: number;
}

/**
 * Local calendar of one IANA time zone, on Temporal (temporal-polyfill). Demand, coverage and stock
 * count days in a prison's local time, and local days are 23, 24 or 25 hours long across DST
 * changes, so nothing here assumes 24 h between midnights.
 *
 * "Wall" milliseconds are local wall-clock time written on a UTC calendar (so that
 * `new Date(wall).toISOString()` prints the local date and time); instants are real epoch ms.
 *
 * DST rule (`instantOfWall`, Temporal's "compatible" disambiguation): a wall time skipped by a gap,
 * or repeated by an overlap, gets the offset in force just before the change. In a gap that moves
 * it forward by the gap's length (03:30 on Kyiv's spring night is 04:30 summer time); in an
 * overlap it is the earlier of the two instants.
 */
export class LocalCalendar {
  private static readonly calendars = new Map<string, LocalCalendar>();
  /**
   * The offset cache: the stretches between offset changes seen so far, sorted and disjoint, plus
   * the last one used. Stock and reorder ask for an offset per event; Temporal is asked once per
   * stretch (about twice a year in a DST zone), the rest is a range check or a binary search.
   */
  private readonly segments: Segment[] = [];
  private last: Segment = { start: 0, end: 0, offset: 0 };

  constructor(readonly timeZone: string) {
    if (timeZone.length === 0) throw new InvalidTimeZoneError(timeZone);
    try {
      Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone);
    } catch (cause) {
      throw new InvalidTimeZoneError(timeZone, { cause });
    }
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

  /** Minutes to add to UTC to get local time at instant `t` (ms). */
  offsetMinutes(t: number): number {
    const last = this.last;
    if (t >= last.start && t < last.end) return last.offset;
    return this.segmentOf(t).offset;
  }

  /** Local wall-clock time of instant `t`. */
  wallOf(t: number): number {
    return t + this.offsetMinutes(t) * MINUTE_MS;
  }

  /**
   * The instant at local wall-clock time `wall`. A wall time skipped by a DST gap resolves with
   * the offset in force before the gap (03:30 on a spring-forward night becomes 04:30 summer
   * time); a repeated one resolves to the earlier instant (Temporal's "compatible").
   */
  instantOfWall(wall: number): number {
    // Fast path: the same offset a day either side means no change near `wall` (zones change
    // offset at most twice a year), so the wall time exists exactly once.
    const before = this.offsetMinutes(wall - DAY_MS);
    if (before === this.offsetMinutes(wall + DAY_MS)) return wall - before * MINUTE_MS;
    const whole = Math.floor(wall);
    const d = new Date(whole);
    const plain = new Temporal.PlainDateTime(
      d.getUTCFullYear(),
      d.getUTCMonth() + 1,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    );
    const zoned = plain.toZonedDateTime(this.timeZone, { disambiguation: "compatible" });
    return zoned.epochMilliseconds + (wall - whole);
  }

  /** Local calendar date of instant `t`. */
  dateOf(t: number): LocalDate {
    return dateOfWall(this.wallOf(t));
  }

  /** The instant at local time `hours` (0 ≤ hours < 24, fractions allowed) on local `date`. */
  atLocalTime(date: LocalDate, hours: number): number {
    return this.instantOfWall(wallMidnight(date) + hours * HOUR_MS);
  }

  /** First instant of local `date` (its midnight, or the end of a DST gap that swallows midnight). */
  startOfDay(date: LocalDate): number {
    return this.atLocalTime(date, 0);
  }

  /** Length of local `date` in ms: 23, 24 or 25 hours around DST changes (23.5 on Lord Howe). */
  dayLengthMs(date: LocalDate): number {
    return this.startOfDay(addDays(date, 1)) - this.startOfDay(date);
  }

  /** The instant `days` local days after `t` at the same local wall-clock time (fractions allowed). */
  plusLocalDays(t: number, days: number): number {
    return this.instantOfWall(this.wallOf(t) + days * DAY_MS);
  }

  /** ISO 8601 with the local offset, to the second: `2026-03-31T10:00:00+03:00`. */
  isoLocal(t: number): string {
    return isoWithOffset(Math.floor(t / 1000) * 1000, this.offsetMinutes(t));
  }

  /** Wall ms of local midnight starting `date`; throws InvalidDateError for a bad date. */
  static wallMidnight(date: LocalDate): number {
    return wallMidnight(date);
  }

  /** `date` plus `days` calendar days. */
  static addDays(date: LocalDate, days: number): LocalDate {
    return addDays(date, days);
  }

  /** Calendar days from `from` to `to` (negative when `to` is earlier). */
  static daysBetween(from: LocalDate, to: LocalDate): number {
    return daysBetween(from, to);
  }

  /** Weekday of `date`, Monday = 0 … Sunday = 6. */
  static weekday(date: LocalDate): number {
    return weekday(date);
  }

  /** The cached stretch holding `t`, asking Temporal for it (and its bounds) the first time. */
  private segmentOf(t: number): Segment {
    if (!Number.isFinite(t)) throw new InvalidInstantError(t);
    const segments = this.segments;
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = segments[mid] as Segment;
      if (t < s.start) hi = mid;
      else if (t >= s.end) lo = mid + 1;
      else {
        this.last = s;
        return s;
      }
    }
    const whole = Math.floor(t);
    const zoned = Temporal.Instant.fromEpochMilliseconds(whole).toZonedDateTimeISO(this.timeZone);
    // "previous" is strictly before its instant: asked from 1 ms later it finds a change at `t` itself.
    const previous = Temporal.Instant.fromEpochMilliseconds(whole + 1)
      .toZonedDateTimeISO(this.timeZone)
      .getTimeZoneTransition("previous");
    const next = zoned.getTimeZoneTransition("next");
    const segment: Segment = {
      start: previous === null ? Number.NEGATIVE_INFINITY : previous.epochMilliseconds,
      end: next === null ? Number.POSITIVE_INFINITY : next.epochMilliseconds,
      offset: Math.round(zoned.offsetNanoseconds / NS_PER_MINUTE),
    };
    segments.splice(lo, 0, segment);
    this.last = segment;
    return segment;
  }
}

/**
 * Instant `t` (ms) written with `offset` minutes east of UTC, to the second, as devices write their
 * times: `2026-03-31T10:00:00+03:00`.
 */
export function isoWithOffset(t: number, offset: number): string {
  const local = new Date(t + offset * MINUTE_MS).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const a = Math.abs(offset);
  return `${local}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
