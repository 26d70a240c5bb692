import { InvalidTimeError } from "./errors";

export const MINUTE_MS = 60_000;

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
