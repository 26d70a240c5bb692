import { MINUTE_MS, ms } from "./time";

/** A half-open time range [from, to) (ISO date-times). */
export interface Interval {
  from: string;
  to: string;
}

/** A slot's level from one event on (a LevelChange fits). */
export interface LevelPoint {
  seq: number;
  deviceTime: string;
  level: number;
}

export interface Availability {
  windowMinutes: number;
  /** Time the machine was online in the window; uptime = onlineMinutes / windowMinutes. */
  onlineMinutes: number;
  /** Online time for which the slot's level is known (after its first level change). */
  knownOnlineMinutes: number;
  /** Online time with stock > 0. */
  stockedOnlineMinutes: number;
  /** Time the slot held 0 units in the window, online or not (the ledger's stockout periods). */
  stockoutMinutes: number;
  /** stockedOnline / knownOnline (docs/domain.md: share of time a slot had stock > 0 while its machine was online); null without such time. */
  availability: number | null;
  uptime: number | null;
}

/**
 * Availability of one slot over `window`, from its level history and the machine's online
 * intervals. The history is ordered by seq (the machine's own order), each level holding until
 * the next change; pass the last change before the window too, or the level is unknown until the
 * first change in it. Before its first change a slot's level is unknown and counts for neither.
 */
export function availability(
  history: readonly LevelPoint[],
  online: readonly Interval[],
  window: Interval,
): Availability {
  const w0 = ms(window.from);
  const w1 = ms(window.to);
  const on = merge(online.map((i) => [Math.max(ms(i.from), w0), Math.min(ms(i.to), w1)] as const));
  const points = [...history].sort((a, b) => a.seq - b.seq);
  let known = 0;
  let stocked = 0;
  let empty = 0;
  points.forEach((p, i) => {
    const next = points[i + 1];
    const a = Math.max(ms(p.deviceTime), w0);
    const b = Math.min(next === undefined ? w1 : ms(next.deviceTime), w1);
    if (b <= a) return;
    const onlineHere = overlap(on, a, b);
    known += onlineHere;
    if (p.level > 0) stocked += onlineHere;
    else empty += b - a;
  });
  const onlineMs = on.reduce((n, [a, b]) => n + (b - a), 0);
  return {
    windowMinutes: (w1 - w0) / MINUTE_MS,
    onlineMinutes: onlineMs / MINUTE_MS,
    knownOnlineMinutes: known / MINUTE_MS,
    stockedOnlineMinutes: stocked / MINUTE_MS,
    stockoutMinutes: empty / MINUTE_MS,
    availability: known > 0 ? stocked / known : null,
    uptime: w1 > w0 ? onlineMs / (w1 - w0) : null,
  };
}

/** The window minus the offline periods (e.g. the machine's offline alerts, open ones running to the window's end). */
export function onlineIntervals(
  offline: readonly { from: string; to: string | null }[],
  window: Interval,
): Interval[] {
  const w0 = ms(window.from);
  const w1 = ms(window.to);
  const off = merge(
    offline.map((o) => [Math.max(ms(o.from), w0), Math.min(o.to === null ? w1 : ms(o.to), w1)] as const),
  );
  const out: Interval[] = [];
  let cursor = w0;
  for (const [a, b] of off) {
    if (a > cursor) out.push({ from: iso(cursor), to: iso(a) });
    cursor = Math.max(cursor, b);
  }
  if (cursor < w1) out.push({ from: iso(cursor), to: iso(w1) });
  return out;
}

type Span = readonly [number, number];

/** Non-empty spans, sorted and merged. */
function merge(spans: readonly Span[]): Span[] {
  const sorted = spans.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function overlap(spans: readonly Span[], a: number, b: number): number {
  let n = 0;
  for (const [x, y] of spans) n += Math.max(0, Math.min(b, y) - Math.max(a, x));
  return n;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
