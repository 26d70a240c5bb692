import { KIND_SOURCE_TYPE } from "@hrvend/schemas";
import type { RawRecord } from "./records";

/** Ingest counts per hour of event time, prison and kind: all that operators read of the events. */
export interface HourCount {
  hour: string;
  prisonId: string;
  kind: string;
  events: number;
  /** The latest event time counted in this hour (where a preview's range ends). */
  last: string;
}

const HOUR_MS = 3_600_000;

/**
 * Per-person health data (the health unit's OAT register: enrolments, doses, discharges) is
 * never counted: no operator-facing row, not even an update, depends on how many such events
 * there were (migration 0017_operator_privacy). A kind is health data when the health unit is
 * its one legitimate source.
 */
export const countedForOperators = (kind: string): boolean =>
  (KIND_SOURCE_TYPE as Record<string, string>)[kind] !== "health_unit";

/** The hourly counts of freshly stored records, in key order (one lock order for every writer). */
export function hourlyCounts(records: readonly RawRecord[]): HourCount[] {
  const byKey = new Map<string, HourCount>();
  for (const r of records) {
    if (!countedForOperators(r.kind)) continue;
    const t = Date.parse(r.time);
    const hour = new Date(Math.floor(t / HOUR_MS) * HOUR_MS).toISOString();
    const key = `${hour}\u0000${r.prisonId}\u0000${r.kind}`;
    const c = byKey.get(key);
    if (!c) byKey.set(key, { hour, prisonId: r.prisonId, kind: r.kind, events: 1, last: r.time });
    else {
      c.events += 1;
      if (t > Date.parse(c.last)) c.last = r.time;
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}
