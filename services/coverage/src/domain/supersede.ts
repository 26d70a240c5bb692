/**
 * Corrections (README, "Importing the census and the OAT register"): a census day is keyed by
 * (prison, date), an OAT register entry by (client, prison, local date, event), and the newest
 * report for a key supersedes the others. Newest means the higher seq; two sources reporting a
 * key under the same seq are ordered by source id, so every arrival order (a replay, a late
 * report) keeps the same one.
 */
export interface Report {
  seq: number;
  sourceId: string;
}

/** Whether `a` is newer than `b`: the same order as the store's `(seq, source_id) > (...)`. */
export function newer(a: Report, b: Report): boolean {
  return a.seq !== b.seq ? a.seq > b.seq : a.sourceId > b.sourceId;
}

/** The newest report of each key, one per key (an upsert may touch each stored row once). */
export function latestByKey<T extends Report>(rows: readonly T[], keyOf: (row: T) => string): T[] {
  const latest = new Map<string, T>();
  for (const r of rows) {
    const k = keyOf(r);
    const cur = latest.get(k);
    if (!cur || newer(r, cur)) latest.set(k, r);
  }
  return [...latest.values()];
}

export const censusKey = (r: { prisonId: string; date: string }): string => `${r.prisonId}|${r.date}`;
export const oatKey = (r: {
  prisonId: string;
  clientToken: string;
  localDate: string;
  action: string;
}): string => `${r.prisonId}|${r.clientToken}|${r.localDate}|${r.action}`;
