/** A half-open span of time `[from, to)` in epoch ms. */
export interface Interval {
  from: number;
  to: number;
}

/** Sorted, non-overlapping, non-empty intervals covering the same time as `intervals`. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from || a.to - b.to);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last !== undefined && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ from: i.from, to: i.to });
  }
  return out;
}

/** Time covered by every one of the interval lists (empty when there are no lists). */
export function intersectIntervals(lists: readonly (readonly Interval[])[]): Interval[] {
  const [first, ...rest] = lists;
  if (first === undefined) return [];
  let acc = mergeIntervals(first);
  for (const list of rest) {
    const other = mergeIntervals(list);
    const next: Interval[] = [];
    let i = 0;
    let j = 0;
    while (i < acc.length && j < other.length) {
      const a = acc[i]!;
      const b = other[j]!;
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to, b.to);
      if (to > from) next.push({ from, to });
      if (a.to < b.to) i++;
      else j++;
    }
    acc = next;
  }
  return acc;
}

/** Milliseconds of `window` covered by the (merged) `intervals`. */
export function overlapMs(intervals: readonly Interval[], window: Interval): number {
  let total = 0;
  for (const i of intervals) {
    const from = Math.max(i.from, window.from);
    const to = Math.min(i.to, window.to);
    if (to > from) total += to - from;
  }
  return total;
}
