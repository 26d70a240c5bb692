import { InvalidTimeError } from "./errors";

export const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Milliseconds since the epoch of an ISO date-time (device times carry their offset). */
export function ms(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new InvalidTimeError(iso);
  return t;
}

/** The later of two instants; `a` may be unknown. Keeps the original strings (and their offsets). */
export function latest(a: string | null, b: string): string {
  return a === null || ms(b) > ms(a) ? b : a;
}

/**
 * The calendar day of a time as written: a device time carries the prison's offset, so this is
 * the prison's local date (a UTC time gives the UTC date).
 */
export function localDate(iso: string): string {
  return iso.slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
