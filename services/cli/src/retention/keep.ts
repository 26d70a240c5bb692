/** A retention setting as people write it: `400d`, `12w`, `90 days`, `1 year` is refused (ambiguous length). */
export class BadKeepError extends Error {
  override readonly name = "BadKeepError";
}

const UNIT_DAYS: Record<string, number> = { d: 1, day: 1, days: 1, w: 7, week: 7, weeks: 7 };

/** Whole days a table keeps its rows, from `400d`, `400 days`, `12w`, `12 weeks`; at least 1. */
export function parseKeep(text: string): number {
  const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  const unit = m?.[2]?.toLowerCase();
  const days = m && unit && UNIT_DAYS[unit] ? Number(m[1]) * UNIT_DAYS[unit] : Number.NaN;
  if (!Number.isSafeInteger(days) || days < 1 || days > 36_500)
    throw new BadKeepError(
      `"${text}" is not a retention period: write whole days or weeks, e.g. 400d or 12w (1 day to 100 years)`,
    );
  return days;
}

/** A hypertable's qualified name as the policy table holds it (`schema.table`, lower case). */
export function parseTableName(text: string): string {
  if (!/^[a-z_]+\.[a-z_]+$/.test(text))
    throw new BadKeepError(`"${text}" is not a table name: write schema.table, e.g. ingest.raw_event`);
  return text;
}
