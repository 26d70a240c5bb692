import { isoWithOffset, LocalCalendar } from "./calendar";
import { type LocalDate, wallMidnight } from "./dates";
import { InvalidInstantError } from "./errors";

/**
 * Free functions over a zone name, for callers that hold a zone rather than a calendar. Each uses
 * the zone's shared LocalCalendar (and its offset cache), so the DST rule is the calendar's.
 */

/** Minutes east of UTC of `timeZone` at instant `t` (ms), DST included. */
export function offsetMinutes(t: number, timeZone: string): number {
  return LocalCalendar.for(timeZone).offsetMinutes(t);
}

/**
 * The local calendar date of an instant in `timeZone`: epoch ms, or an ISO 8601 date-time with its
 * offset (only the instant matters, not the offset it is written in). An event at 00:00 local
 * belongs to the new day, one at 23:59:59 to the old one, whatever the offset that day.
 */
export function localDate(instant: number | string, timeZone: string): LocalDate {
  const t = typeof instant === "number" ? instant : Date.parse(instant);
  if (!Number.isFinite(t)) throw new InvalidInstantError(instant);
  return LocalCalendar.for(timeZone).dateOf(t);
}

/** The instant `t` as the zone's clock writes it (its offset at that instant), to the second. */
export function isoInZone(t: number, timeZone: string): string {
  return isoWithOffset(t, offsetMinutes(t, timeZone));
}

/** The offset (minutes east of UTC) an ISO date-time is written in; 0 for `Z` or none. */
export function offsetOf(iso: string): number {
  const m = /([+-])(\d\d):(\d\d)$/.exec(iso);
  if (m === null) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * The calendar date of an ISO date-time as written, in the offset it carries: a device time
 * written with the prison's offset gives the prison's local date, a UTC time the UTC date.
 */
export function dateAsWritten(iso: string): LocalDate {
  return iso.slice(0, 10);
}

/**
 * The first instant of local `date` in `timeZone` (midnight; the end of the gap when a DST change
 * skips midnight), written with the offset in force then.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): string {
  const calendar = LocalCalendar.for(timeZone);
  return calendar.isoLocal(calendar.startOfDay(date));
}

/** A wall-clock time of day. */
export interface WallTime {
  h: number;
  m: number;
  s: number;
}

/**
 * The instant of local wall time `date` `hh:mm:ss` in `timeZone`, as epoch ms and as ISO 8601 with
 * the zone's offset then (2026-03-02T08:00:00+02:00). A wall time a DST change skips or repeats
 * gets the offset in force just before the change (the calendar's rule: forward through a gap,
 * the earlier instant in an overlap).
 */
export function localInstant(date: LocalDate, time: WallTime, timeZone: string): { iso: string; ms: number } {
  const calendar = LocalCalendar.for(timeZone);
  const wall = wallMidnight(date) + ((time.h * 60 + time.m) * 60 + time.s) * 1000;
  const ms = calendar.instantOfWall(wall);
  return { iso: calendar.isoLocal(ms), ms };
}
