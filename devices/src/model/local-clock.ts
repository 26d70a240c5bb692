const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Local wall-clock arithmetic for one IANA time zone. Prisons count days, diurnal patterns and
 * census dates in local time; Intl is slow, so the UTC offset is cached per UTC hour (every real
 * zone changes offset on an hour boundary, bar a few historical exceptions).
 */
export class LocalClock {
  private readonly offsets = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
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
  }

  /** Minutes to add to UTC to get local time at instant `t` (ms since epoch). */
  offsetMinutes(t: number): number {
    const hour = Math.floor(t / HOUR_MS);
    let off = this.offsets.get(hour);
    if (off === undefined) {
      off = this.computeOffset(hour * HOUR_MS);
      this.offsets.set(hour, off);
    }
    return off;
  }

  /** Local time of `t` expressed as ms since the epoch of a UTC calendar (for date arithmetic). */
  localMs(t: number): number {
    return t + this.offsetMinutes(t) * 60_000;
  }

  /** Local hour of the week, 0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00. */
  hourOfWeek(t: number): number {
    const local = this.localMs(t);
    const dayIndex = Math.floor(local / DAY_MS);
    // 1970-01-01 was a Thursday (Monday-based weekday 3).
    const weekday = (((dayIndex + 3) % 7) + 7) % 7;
    const hour = Math.floor((local - dayIndex * DAY_MS) / HOUR_MS);
    return weekday * 24 + hour;
  }

  /** Local fractional hour of day, 0 ≤ h < 24. */
  hourOfDay(t: number): number {
    const local = this.localMs(t);
    return (local - Math.floor(local / DAY_MS) * DAY_MS) / HOUR_MS;
  }

  /** Local calendar date of `t`, YYYY-MM-DD. */
  localDate(t: number): string {
    return new Date(this.localMs(t)).toISOString().slice(0, 10);
  }

  /** The instant of the first local midnight strictly after `t`. */
  nextMidnight(t: number): number {
    return this.atLocalTime(t, 24);
  }

  /** The instant of local time `hours` after the local midnight starting the day of `t` (hours may exceed 24). */
  atLocalTime(t: number, hours: number): number {
    const dayStartLocal = Math.floor(this.localMs(t) / DAY_MS) * DAY_MS;
    const targetLocal = dayStartLocal + hours * HOUR_MS;
    // Use the offset in force at the target instant (DST may change in between).
    const guess = targetLocal - this.offsetMinutes(targetLocal - this.offsetMinutes(t) * 60_000) * 60_000;
    return targetLocal - this.offsetMinutes(guess) * 60_000;
  }

  /** ISO 8601 with the local offset, as a machine's clock would print it: 2026-01-05T08:13:22.123+02:00. */
  iso(t: number): string {
    const off = this.offsetMinutes(t);
    const local = new Date(t + off * 60_000).toISOString().slice(0, 23);
    return local + formatOffset(off);
  }

  private computeOffset(t: number): number {
    const parts = this.format.formatToParts(new Date(t));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const asUtc = Date.UTC(
      get("year"),
      get("month") - 1,
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
    );
    return Math.round((asUtc - t) / 60_000);
  }
}

const offsetCache = new Map<number, string>();

function formatOffset(minutes: number): string {
  let s = offsetCache.get(minutes);
  if (s === undefined) {
    const sign = minutes < 0 ? "-" : "+";
    const abs = Math.abs(minutes);
    s = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
    offsetCache.set(minutes, s);
  }
  return s;
}

const clocks = new Map<string, LocalClock>();

/** One shared clock (and offset cache) per time zone. */
export function localClockFor(timeZone: string): LocalClock {
  let c = clocks.get(timeZone);
  if (c === undefined) {
    c = new LocalClock(timeZone);
    clocks.set(timeZone, c);
  }
  return c;
}
