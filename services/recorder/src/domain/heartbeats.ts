import type { RawRecord } from "./records";

/**
 * What is kept of heartbeats (issue #20: 99 % of the estate's events) instead of a raw row each:
 * per machine and UTC hour, the temperature's min/max/sum and counts (`HourRollup`), and the
 * machine's health intervals, runs of heartbeats with the same status (`IntervalChange`). Pure:
 * the store loads what is already recorded and writes what these functions return.
 */

/** One heartbeat as the rollups read it. */
export interface Reading {
  machineId: string;
  prisonId: string;
  seq: number;
  /** Event time in epoch ms. */
  t: number;
  temperatureC: number | null;
  door: string | null;
  power: string | null;
  batteryPct: number | null;
}

/** A heartbeat's status: door and power (`closed/mains`); a missing field reads `unknown`. */
export const statusOf = (r: Pick<Reading, "door" | "power">): string =>
  `${r.door ?? "unknown"}/${r.power ?? "unknown"}`;

const HOUR_MS = 3_600_000;

/** The health intervals' gap bound by default: stock's silence bound (a machine silent 15 minutes is offline). */
export const DEFAULT_HEALTH_GAP_MS = 15 * 60_000;
export const hourOf = (t: number): number => Math.floor(t / HOUR_MS) * HOUR_MS;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** The reading of a heartbeat record (its payload parsed when the record does not carry it). */
export function readingOf(r: RawRecord): Reading {
  const p = (r.heartbeat ?? JSON.parse(r.payload)) as Record<string, unknown>;
  return {
    machineId: r.sourceId,
    prisonId: r.prisonId,
    seq: r.seq,
    t: Date.parse(r.time),
    temperatureC: num(p["temperatureC"]),
    door: str(p["door"]),
    power: str(p["power"]),
    batteryPct: num(p["batteryPct"]),
  };
}

/** A set of seqs as half-open ranges `[lo, hi)`, sorted and disjoint (PostgreSQL's int8multirange). */
export type SeqRanges = [number, number][];

/** Parses PostgreSQL's text of an int8multirange (`{[1,3),[7,8)}`, `{}`). */
export function parseRanges(text: string): SeqRanges {
  const out: SeqRanges = [];
  for (const m of text.matchAll(/\[(\d+),(\d+)\)/g)) out.push([Number(m[1]), Number(m[2])]);
  return out;
}

/** The int8multirange literal of a set of seqs. */
export function rangesText(seqs: Iterable<number>): string {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const lo = sorted[i] as number;
    let hi = lo + 1;
    while (sorted[i + 1] === hi) {
      hi++;
      i++;
    }
    parts.push(`[${lo},${hi})`);
    i++;
  }
  return `{${parts.join(",")}}`;
}

export const inRanges = (ranges: SeqRanges, seq: number): boolean =>
  ranges.some(([lo, hi]) => seq >= lo && seq < hi);

/** `machine\0hourMs`: the key of a machine's hour. */
export const hourKey = (machineId: string, hour: number): string => `${machineId}\u0000${hour}`;

/**
 * The readings counted for the first time: not already in their machine-hour's recorded seqs
 * (`recorded`, by `hourKey`) and not a second copy of one earlier in the batch (the first stands).
 */
export function freshReadings(
  readings: readonly Reading[],
  recorded: ReadonlyMap<string, SeqRanges>,
): Reading[] {
  const seen = new Set<string>();
  return readings.filter((r) => {
    const k = `${r.machineId}\u0000${r.seq}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return !inRanges(recorded.get(hourKey(r.machineId, hourOf(r.t))) ?? [], r.seq);
  });
}

/** What a batch adds to one machine-hour. */
export interface HourRollup {
  hour: number;
  machineId: string;
  prisonId: string;
  heartbeats: number;
  /** Heartbeats with a temperature (the mean is tempSum / tempCount). */
  tempCount: number;
  tempMin: number | null;
  tempMax: number | null;
  tempSum: number;
  doorOpen: number;
  onBattery: number;
  batteryMin: number | null;
  firstAt: number;
  lastAt: number;
  seqs: number[];
}

const lo = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const hi = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** The fresh readings summed per machine and UTC hour, in key order (one lock order for every writer). */
export function hourRollups(readings: readonly Reading[]): HourRollup[] {
  const by = new Map<string, HourRollup>();
  for (const r of readings) {
    const hour = hourOf(r.t);
    const k = hourKey(r.machineId, hour);
    let h = by.get(k);
    if (!h) {
      h = {
        hour,
        machineId: r.machineId,
        prisonId: r.prisonId,
        heartbeats: 0,
        tempCount: 0,
        tempMin: null,
        tempMax: null,
        tempSum: 0,
        doorOpen: 0,
        onBattery: 0,
        batteryMin: null,
        firstAt: r.t,
        lastAt: r.t,
        seqs: [],
      };
      by.set(k, h);
    }
    h.heartbeats++;
    if (r.temperatureC !== null) {
      h.tempCount++;
      h.tempSum += r.temperatureC;
      h.tempMin = lo(h.tempMin, r.temperatureC);
      h.tempMax = hi(h.tempMax, r.temperatureC);
    }
    if (r.door === "open") h.doorOpen++;
    if (r.power === "battery") h.onBattery++;
    h.batteryMin = lo(h.batteryMin, r.batteryPct);
    h.firstAt = Math.min(h.firstAt, r.t);
    h.lastAt = Math.max(h.lastAt, r.t);
    h.seqs.push(r.seq);
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, h]) => h);
}

/** A machine-health interval: heartbeats of one status, none further than the gap bound from the previous one. */
export interface Interval {
  machineId: string;
  prisonId: string;
  status: string;
  startedAt: number;
  endedAt: number;
  heartbeats: number;
}

/** What a batch does to one interval row (keyed by machine, start and status): heartbeats added, new end. */
export type IntervalChange = Interval;

/**
 * Extends or starts health intervals with fresh readings. `known` holds, per machine, the
 * recorded intervals that may take them: the latest one starting at or before the machine's
 * earliest reading and every one starting after it. Each reading, in time order, joins the
 * interval with the latest start at or before it when that interval has its status and ended at
 * most `gapMs` before it; otherwise it starts an interval. A reading arriving late inside an
 * interval of another status therefore starts its own (rows may then overlap); a late reading
 * before a machine's first interval starts one too (runs merge forward only). Returns the
 * changes as added heartbeats and the latest end, in key order.
 */
export function intervalChanges(
  readings: readonly Reading[],
  known: readonly Interval[],
  gapMs: number,
): IntervalChange[] {
  const byMachine = new Map<string, Interval[]>();
  for (const i of known) {
    const list = byMachine.get(i.machineId) ?? [];
    list.push({ ...i });
    byMachine.set(i.machineId, list);
  }
  const changes = new Map<string, IntervalChange>();
  const sorted = [...readings].sort((a, b) => a.t - b.t || a.seq - b.seq);
  for (const r of sorted) {
    const list = byMachine.get(r.machineId) ?? [];
    byMachine.set(r.machineId, list);
    const status = statusOf(r);
    let prev: Interval | undefined;
    for (const i of list)
      if (
        i.startedAt <= r.t &&
        (!prev || i.startedAt > prev.startedAt || (i.startedAt === prev.startedAt && i.status === status))
      )
        prev = i;
    let target: Interval;
    if (prev && prev.status === status && r.t - prev.endedAt <= gapMs) target = prev;
    else {
      target = {
        machineId: r.machineId,
        prisonId: r.prisonId,
        status,
        startedAt: r.t,
        endedAt: r.t,
        heartbeats: 0,
      };
      list.push(target);
    }
    target.endedAt = Math.max(target.endedAt, r.t);
    target.heartbeats++;
    const k = `${r.machineId}\u0000${String(target.startedAt).padStart(16, "0")}\u0000${status}`;
    const c = changes.get(k);
    if (c) {
      c.heartbeats++;
      c.endedAt = target.endedAt;
    } else changes.set(k, { ...target, heartbeats: 1 });
  }
  return [...changes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}
