/**
 * Wall-clock time in a prison's time zone. The contract dates an OAT register event by an
 * instant with an offset (`time`); coverage puts it on the prison's local calendar with the
 * prison's time zone, so the instant built here must fall on the row's local date.
 */

/** Minutes to add to UTC to get local time at instant `t` (ms) in `timeZone`. */
export function offsetMinutes(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return Math.round((asUtc - Math.floor(t / 1000) * 1000) / 60_000);
}

/** The local calendar date of instant `t` in `timeZone`. */
export function localDateOf(t: number, timeZone: string): string {
  return new Date(t + offsetMinutes(t, timeZone) * 60_000).toISOString().slice(0, 10);
}

/**
 * The instant of local wall time `date` `hh:mm:ss` in `timeZone`, as ISO 8601 with that zone's
 * offset (e.g. 2026-03-02T08:00:00+02:00). A wall time a DST change skips or repeats gets the
 * offset in force just before the change.
 */
export function localInstant(
  date: string,
  time: { h: number; m: number; s: number },
  timeZone: string,
): { iso: string; ms: number } {
  const wall = Date.parse(`${date}T00:00:00Z`) + ((time.h * 60 + time.m) * 60 + time.s) * 1000;
  // Two passes: the offset in force at the wall time read as UTC, then at the instant it gives.
  const t = wall - offsetMinutes(wall - offsetMinutes(wall, timeZone) * 60_000, timeZone) * 60_000;
  const off = offsetMinutes(t, timeZone);
  const local = new Date(t + off * 60_000).toISOString().slice(0, 19);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return { iso: `${local}${sign}${hh}:${mm}`, ms: t };
}
