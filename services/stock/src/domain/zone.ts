import { ms } from "./time";

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of `timeZone` at instant `t` (DST included). */
function offsetMinutes(t: number, timeZone: string): number {
  let f = offsetFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" });
    offsetFormats.set(timeZone, f);
  }
  const name = f.formatToParts(t).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  if (m === null) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** An instant written with `offset` minutes east of UTC, as devices write their times. */
export function isoWithOffset(t: number, offset: number): string {
  const local = new Date(t + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? "-" : "+";
  const a = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** The instant `t` as the prison's clock writes it (its offset at that instant). */
export function isoInZone(t: number, timeZone: string): string {
  return isoWithOffset(t, offsetMinutes(t, timeZone));
}

/** The offset (minutes east of UTC) an ISO date-time is written in. */
export function offsetOf(iso: string): number {
  const m = /([+-])(\d\d):(\d\d)$/.exec(iso);
  if (m === null) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * The first instant of local calendar day `date` in `timeZone` (midnight; the first instant
 * after a gap when a DST change skips midnight), written with the offset in force then.
 */
export function startOfLocalDay(date: string, timeZone: string): string {
  const wall = ms(`${date}T00:00:00Z`);
  const DAY = 86_400_000;
  // The offsets in force a day before and a day after cover every change near midnight.
  const before = wall - offsetMinutes(wall - DAY, timeZone) * 60_000;
  const after = wall - offsetMinutes(wall + DAY, timeZone) * 60_000;
  const valid = [before, after].filter((t) => t + offsetMinutes(t, timeZone) * 60_000 === wall);
  // None valid: midnight falls in a spring-forward gap; the day starts when the gap ends.
  const t = valid.length > 0 ? Math.min(...valid) : before;
  return isoInZone(t, timeZone);
}
