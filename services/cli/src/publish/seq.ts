/**
 * Seqs of an office source that publishes from a command (imports, registry, acknowledgements),
 * kept across runs without a state file: a run numbers its events from
 * max(now in ms × 1000, the highest seq the pipeline recorded for the source + 1). Later runs
 * therefore get higher seqs (the stores keep the highest seq per key: the last import wins), a
 * run never re-uses a seq the gateway or the recorder has seen (their writes are idempotent on
 * `source:seq`, so a re-used seq would be silently dropped), and a run of up to 1,000 events per
 * millisecond of wall time between runs never overlaps the next. Below Number.MAX_SAFE_INTEGER
 * until the year 2255.
 */
export function firstSeq(nowMs: number, highestRecorded: number | undefined): number {
  return Math.max(Math.floor(nowMs) * 1000, (highestRecorded ?? 0) + 1);
}

/** Numbers items per source, each source from its own first seq, in the given order. */
export function numberPerSource<T>(
  items: readonly T[],
  sourceOf: (item: T) => string,
  first: (sourceId: string) => number,
): { item: T; sourceId: string; seq: number }[] {
  const next = new Map<string, number>();
  return items.map((item) => {
    const sourceId = sourceOf(item);
    const seq = next.get(sourceId) ?? first(sourceId);
    next.set(sourceId, seq + 1);
    return { item, sourceId, seq };
  });
}
