import { type Kysely, sql } from "kysely";
import {
  freshReadings,
  hourKey,
  hourOf,
  hourRollups,
  type Interval,
  intervalChanges,
  parseRanges,
  type Reading,
  rangesText,
} from "../domain/heartbeats";
import type { RecorderDatabase } from "./db";

/** Advisory lock buckets: every writer of a machine's rollups holds its bucket (at most this many locks). */
const LOCK_BUCKETS = 64;
/** The advisory lock class of the heartbeat rollups (pg_advisory_xact_lock(int, int)'s first key). */
const LOCK_CLASS = 20_025;

const iso = (t: number) => new Date(t).toISOString();

interface IntervalRow {
  machine_id: string;
  prison_id: string;
  status: string;
  started_at: Date;
  ended_at: Date;
  heartbeats: number;
}
const COLUMNS = sql.raw("machine_id, prison_id, status, started_at, ended_at, heartbeats");

/**
 * Adds heartbeats to the machine-hour rollups and health intervals, exactly once per heartbeat
 * (machine and seq): a heartbeat whose seq its machine-hour row already holds changes nothing.
 * Writers of the same machines are serialised by transaction advisory locks (64 buckets of the
 * machine id, taken in one order), so the rows read and extended here change under no one else.
 * The common case takes one statement: the batch's sums are added to every machine-hour whose
 * recorded seqs share none with them; the hours that do (a duplicate) are read, their duplicates
 * dropped, and the rest added. Returns the heartbeats counted for the first time.
 */
export async function writeHeartbeats(
  trx: Kysely<RecorderDatabase>,
  readings: readonly Reading[],
  gapMs: number,
): Promise<Reading[]> {
  if (readings.length === 0) return [];
  const machines = [...new Set(readings.map((r) => r.machineId))];
  await sql`
    SELECT pg_advisory_xact_lock(${LOCK_CLASS}, b)
    FROM (SELECT DISTINCT abs(hashtext(m)) % ${LOCK_BUCKETS} AS b FROM unnest(${machines}::text[]) m ORDER BY 1) x`.execute(
    trx,
  );
  const hourOfReading = (r: Reading) => hourKey(r.machineId, hourOf(r.t));
  // Second copies within the batch first; then every machine-hour that shares no seq with the batch.
  const once = freshReadings(readings, new Map());
  const added = await addHours(trx, once);
  const overlapping = once.filter((r) => !added.has(hourOfReading(r)));
  if (overlapping.length === 0) {
    await addIntervals(trx, once, gapMs);
    return once;
  }
  const keys = [...new Map(overlapping.map((r) => [hourOfReading(r), r])).values()];
  const stored = await sql<{ machine_id: string; hour: Date; seqs: string }>`
    SELECT h.machine_id, h.hour, h.seqs::text AS seqs FROM ingest.heartbeat_hourly h
    JOIN unnest(${keys.map((k) => k.machineId)}::text[], ${keys.map((k) => iso(hourOf(k.t)))}::timestamptz[]) x(m, h)
      ON h.machine_id = x.m AND h.hour = x.h`.execute(trx);
  const recorded = new Map(
    stored.rows.map((s) => [hourKey(s.machine_id, s.hour.getTime()), parseRanges(s.seqs)] as const),
  );
  const rest = new Set(freshReadings(overlapping, recorded));
  if (rest.size > 0) await addHours(trx, [...rest]);
  const fresh = once.filter((r) => added.has(hourOfReading(r)) || rest.has(r));
  if (fresh.length > 0) await addIntervals(trx, fresh, gapMs);
  return fresh;
}

/**
 * Adds the readings' sums to their machine-hours, except those whose recorded seqs share one with
 * them (left unchanged); returns the machine-hours added to (by `hourKey`).
 */
async function addHours(trx: Kysely<RecorderDatabase>, fresh: readonly Reading[]): Promise<Set<string>> {
  const h = hourRollups(fresh);
  const r = await sql<{ machine_id: string; hour: Date }>`
    INSERT INTO ingest.heartbeat_hourly AS t (hour, machine_id, prison_id, heartbeats, temp_count, temp_min, temp_max,
      temp_sum, door_open, on_battery, battery_min, first_at, last_at, seqs)
    SELECT * FROM unnest(
      ${h.map((x) => iso(x.hour))}::timestamptz[], ${h.map((x) => x.machineId)}::text[],
      ${h.map((x) => x.prisonId)}::text[], ${h.map((x) => x.heartbeats)}::int[], ${h.map((x) => x.tempCount)}::int[],
      ${h.map((x) => x.tempMin)}::float8[], ${h.map((x) => x.tempMax)}::float8[], ${h.map((x) => x.tempSum)}::float8[],
      ${h.map((x) => x.doorOpen)}::int[], ${h.map((x) => x.onBattery)}::int[], ${h.map((x) => x.batteryMin)}::float8[],
      ${h.map((x) => iso(x.firstAt))}::timestamptz[], ${h.map((x) => iso(x.lastAt))}::timestamptz[],
      ${h.map((x) => rangesText(x.seqs))}::int8multirange[])
    ON CONFLICT (machine_id, hour) DO UPDATE SET
      heartbeats = t.heartbeats + excluded.heartbeats,
      temp_count = t.temp_count + excluded.temp_count,
      temp_min = least(t.temp_min, excluded.temp_min),
      temp_max = greatest(t.temp_max, excluded.temp_max),
      temp_sum = t.temp_sum + excluded.temp_sum,
      door_open = t.door_open + excluded.door_open,
      on_battery = t.on_battery + excluded.on_battery,
      battery_min = least(t.battery_min, excluded.battery_min),
      first_at = least(t.first_at, excluded.first_at),
      last_at = greatest(t.last_at, excluded.last_at),
      seqs = t.seqs + excluded.seqs
      WHERE NOT (t.seqs && excluded.seqs)
    RETURNING machine_id, hour`.execute(trx);
  return new Set(r.rows.map((x) => hourKey(x.machine_id, x.hour.getTime())));
}

async function addIntervals(
  trx: Kysely<RecorderDatabase>,
  fresh: readonly Reading[],
  gapMs: number,
): Promise<void> {
  // Per machine: the latest interval starting at or before its earliest fresh heartbeat, and
  // every interval starting after it (what intervalChanges may extend). In order (the common
  // case) that is the machine's latest interval: one look-up each; a machine with a heartbeat at
  // or before its latest interval's start has them read again in full.
  const first = new Map<string, number>();
  for (const r of fresh) first.set(r.machineId, Math.min(first.get(r.machineId) ?? r.t, r.t));
  const ms = [...first.keys()];
  const latest = await sql<IntervalRow>`
    SELECT i.* FROM unnest(${ms}::text[]) x(m)
    CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM ingest.machine_health_interval
      WHERE machine_id = x.m ORDER BY started_at DESC LIMIT 1) i`.execute(trx);
  const late = latest.rows
    .filter((k) => (first.get(k.machine_id) as number) <= k.started_at.getTime())
    .map((k) => k.machine_id);
  let known = latest.rows;
  if (late.length > 0) {
    const lateSet = new Set(late);
    const all = await sql<IntervalRow>`
      SELECT i.* FROM unnest(${late}::text[], ${late.map((m) => iso(first.get(m) as number))}::timestamptz[]) x(m, f)
      CROSS JOIN LATERAL (
        (SELECT ${COLUMNS} FROM ingest.machine_health_interval
          WHERE machine_id = x.m AND started_at <= x.f ORDER BY started_at DESC LIMIT 1)
        UNION ALL
        (SELECT ${COLUMNS} FROM ingest.machine_health_interval WHERE machine_id = x.m AND started_at > x.f)) i`.execute(
      trx,
    );
    known = [...known.filter((k) => !lateSet.has(k.machine_id)), ...all.rows];
  }
  const intervals: Interval[] = known.map((k) => ({
    machineId: k.machine_id,
    prisonId: k.prison_id,
    status: k.status,
    startedAt: k.started_at.getTime(),
    endedAt: k.ended_at.getTime(),
    heartbeats: k.heartbeats,
  }));
  const c = intervalChanges(fresh, intervals, gapMs);
  await sql`
    INSERT INTO ingest.machine_health_interval AS t (machine_id, started_at, status, prison_id, ended_at, heartbeats)
    SELECT * FROM unnest(${c.map((x) => x.machineId)}::text[], ${c.map((x) => iso(x.startedAt))}::timestamptz[],
      ${c.map((x) => x.status)}::text[], ${c.map((x) => x.prisonId)}::text[], ${c.map((x) => iso(x.endedAt))}::timestamptz[],
      ${c.map((x) => x.heartbeats)}::int[])
    ON CONFLICT (machine_id, started_at, status) DO UPDATE SET
      ended_at = greatest(t.ended_at, excluded.ended_at),
      heartbeats = t.heartbeats + excluded.heartbeats`.execute(trx);
}
