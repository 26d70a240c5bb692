import { InvalidTimeError } from "./errors";

export const MINUTE_MS = 60_000;

/** Parsed times, remembered (issue #20: `Date.parse` of the same state fields on every event). */
const parsed = new Map<string, number>();
const PARSED_MAX = 20_000;

/** Milliseconds since the epoch of an ISO date-time (device times carry their offset). */
export function ms(iso: string): number {
  const known = parsed.get(iso);
  if (known !== undefined) return known;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new InvalidTimeError(iso);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(iso, t);
  return t;
}

/** The later of two instants; `a` may be unknown. Keeps the original strings (and their offsets). */
export function latest(a: string | null, b: string): string {
  return a === null || ms(b) > ms(a) ? b : a;
}
