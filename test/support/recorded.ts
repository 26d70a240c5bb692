import { type EventOf, eventKey, eventTime, type HrEvent } from "@hrvend/schemas";
import { type Kysely, sql } from "kysely";

/**
 * What the recorder holds of a stream since heartbeats are rolled up instead of stored raw
 * (migration 0025): raw rows for every other kind, per machine-hour sums for heartbeats. The
 * references here are computed from the events themselves (UTC hour of the event time), never
 * with the recorder's own rollup code.
 */

// biome-ignore lint/suspicious/noExplicitAny: tests' pools are typed with various tables.
type Db = Kysely<any>;

/** Events recorded: raw rows plus the heartbeats their rollups counted. */
export async function recordedCount(db: Db): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT (SELECT count(*) FROM ingest.raw_event)
         + (SELECT coalesce(sum(heartbeats), 0) FROM ingest.heartbeat_hourly) AS n`.execute(db);
  return Number(r.rows[0]?.n);
}

/** The events that get a raw row (every kind but heartbeats). */
export const rawKinds = <T extends { event: HrEvent }>(events: readonly T[]): T[] =>
  events.filter((e) => e.event.kind !== "heartbeat");

/**
 * The machine-hours whose rollup differs from the heartbeats among `events` summed by hand (count,
 * seqs, temperature min/max/sum), as readable lines; empty when each heartbeat counted exactly once.
 */
export async function heartbeatMismatches(db: Db, events: readonly HrEvent[]): Promise<string[]> {
  const want = new Map<string, { n: number; seqs: number[]; min: number; max: number; sum: number }>();
  for (const e of events) {
    if (e.kind !== "heartbeat") continue;
    const h = e as EventOf<"heartbeat">;
    const hour = new Date(Math.floor(Date.parse(eventTime(e)) / 3_600_000) * 3_600_000).toISOString();
    const k = `${eventKey(e).split(":")[0]} ${hour}`;
    const w = want.get(k) ?? { n: 0, seqs: [], min: Infinity, max: -Infinity, sum: 0 };
    w.n++;
    w.seqs.push(e.seq);
    w.min = Math.min(w.min, h.temperatureC);
    w.max = Math.max(w.max, h.temperatureC);
    w.sum += h.temperatureC;
    want.set(k, w);
  }
  const rows = await sql<{ k: string; n: number; seqs: string[]; min: number; max: number; sum: number }>`
    SELECT h.machine_id || ' ' || to_char(h.hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS k,
           h.heartbeats AS n, h.temp_min AS min, h.temp_max AS max, h.temp_sum AS sum,
           ARRAY(SELECT s::text FROM unnest(h.seqs) r, generate_series(lower(r), upper(r) - 1) s) AS seqs
    FROM ingest.heartbeat_hourly h`.execute(db);
  const out: string[] = [];
  const got = new Map(rows.rows.map((r) => [r.k, r]));
  for (const [k, w] of want) {
    const g = got.get(k);
    const seqs = [...w.seqs].sort((a, b) => a - b);
    const same =
      g !== undefined &&
      g.n === w.n &&
      JSON.stringify(g.seqs.map(Number).sort((a, b) => a - b)) === JSON.stringify(seqs) &&
      Math.abs(g.min - w.min) < 1e-4 &&
      Math.abs(g.max - w.max) < 1e-4 &&
      Math.abs(g.sum - w.sum) < 1e-6 * Math.max(1, Math.abs(w.sum));
    if (!same) out.push(`${k}: want ${JSON.stringify({ ...w, seqs })}, got ${JSON.stringify(g ?? null)}`);
  }
  for (const k of got.keys()) if (!want.has(k)) out.push(`${k}: not in the events`);
  return out;
}
