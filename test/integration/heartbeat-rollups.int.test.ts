import { MIGRATIONS } from "@hrvend/cli/db";
import { writeEvents } from "@hrvend/recorder";
import { createDb, ensureDatabase, migrateToLatest, withDatabase } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolate, type TestDatabase, testDatabase, withRolesLock } from "../support/isolate";

/**
 * Heartbeats are rolled up (issue #20), not stored raw: the recorder's write path on a real
 * database against a scripted sequence whose rollups are written out by hand below. Duplicates,
 * a redelivered batch, out-of-order arrival, an hour boundary and a DST change (Chisinau,
 * 2026-03-29 01:00 UTC) change nothing but what the definitions say.
 */
const iso = isolate("heartbeat-rollups");
let tdb: TestDatabase;
let db: Kysely<any>;

const M = "m-hb-1";
const P = "p-hb";
/** A heartbeat record as the recorder's consume step makes it (payload text, no digest). */
const hb = (seq: number, time: string, temperatureC: number, door = "closed", power = "mains") => {
  const e = {
    kind: "heartbeat",
    prisonId: P,
    machineId: M,
    seq,
    deviceTime: time,
    temperatureC,
    door,
    power,
  };
  return {
    key: `${M}:${seq}`,
    time,
    prisonId: P,
    sourceId: M,
    seq,
    kind: "heartbeat",
    digest: "",
    payload: JSON.stringify(e),
  };
};
const dispense = (seq: number, time: string) => ({
  key: `${M}:${seq}`,
  time,
  prisonId: P,
  sourceId: M,
  seq,
  kind: "dispense",
  digest: `d${seq}`,
  payload: JSON.stringify({ kind: "dispense", seq }),
});
const NOW = new Date("2026-03-29T12:00:00Z");

// Local (Chisinau) 01:50 EET … 05:30 EEST: UTC 23:50 on the 28th to 02:30 on the 29th.
const A = [
  hb(1, "2026-03-28T23:50:00Z", 5),
  hb(2, "2026-03-28T23:59:59.999Z", 6),
  hb(3, "2026-03-29T00:00:00Z", 7),
  hb(4, "2026-03-29T00:30:00Z", 8, "open"),
  dispense(5, "2026-03-29T00:31:00Z"),
];
const B = [
  hb(7, "2026-03-29T01:10:00Z", 12), // arrives before seq 6 (out of order)
  hb(6, "2026-03-29T00:45:00Z", 9, "open"),
  hb(3, "2026-03-29T00:00:00Z", 7), // a device replay of seq 3
  hb(8, "2026-03-29T01:40:00Z", 4, "closed", "battery"),
  hb(8, "2026-03-29T01:40:00Z", 4, "closed", "battery"), // the same heartbeat twice in one batch
];
const C = [hb(9, "2026-03-29T02:30:00Z", 10)]; // 50 minutes after seq 8: a new run
// Late, after later runs were recorded: one inside the open run (joins it), one of another status
// inside the first closed run's reach (starts its own).
const D = [hb(10, "2026-03-29T00:40:00Z", 9, "open"), hb(11, "2026-03-29T00:05:00Z", 8, "open")];

beforeAll(async () => {
  tdb = await testDatabase(iso);
  db = tdb.db;
}, 240_000);
afterAll(async () => {
  await tdb?.close();
});

const hours = async () =>
  (
    await sql<Record<string, unknown>>`
      SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') AS hour, heartbeats, temp_count, temp_min, temp_max,
             temp_sum, door_open, on_battery, seqs::text AS seqs
      FROM ingest.heartbeat_hourly WHERE machine_id = ${M} ORDER BY hour`.execute(db)
  ).rows;
const intervals = async () =>
  (
    await sql<Record<string, unknown>>`
      SELECT status, to_char(started_at AT TIME ZONE 'UTC', 'HH24:MI') AS started, to_char(ended_at AT TIME ZONE 'UTC', 'HH24:MI') AS ended, heartbeats
      FROM ingest.machine_health_interval WHERE machine_id = ${M} ORDER BY started_at, status`.execute(db)
  ).rows;

// By hand from the script: UTC hours 23 (seqs 1, 2), 00 (3, 4, 6, 10, 11), 01 (7, 8), 02 (9).
const HOURS = [
  {
    hour: "2026-03-28T23",
    heartbeats: 2,
    temp_count: 2,
    temp_min: 5,
    temp_max: 6,
    temp_sum: 11,
    door_open: 0,
    on_battery: 0,
    seqs: "{[1,3)}",
  },
  {
    hour: "2026-03-29T00",
    heartbeats: 5,
    temp_count: 5,
    temp_min: 7,
    temp_max: 9,
    temp_sum: 41,
    door_open: 4,
    on_battery: 0,
    seqs: "{[3,5),[6,7),[10,12)}",
  },
  {
    hour: "2026-03-29T01",
    heartbeats: 2,
    temp_count: 2,
    temp_min: 4,
    temp_max: 12,
    temp_sum: 16,
    door_open: 0,
    on_battery: 1,
    seqs: "{[7,9)}",
  },
  {
    hour: "2026-03-29T02",
    heartbeats: 1,
    temp_count: 1,
    temp_min: 10,
    temp_max: 10,
    temp_sum: 10,
    door_open: 0,
    on_battery: 0,
    seqs: "{[9,10)}",
  },
];
// Runs (gap bound 15 minutes): closed 23:50–00:00 (1, 2, 3); open 00:30–00:45 (4, 6); closed
// 01:10 (7: 25 minutes after 6, another status anyway); battery 01:40 (8); closed 02:30 (9: new run).
// Late: 10 (open, 00:40) joins the open run; 11 (open, 00:05) falls after the closed run: its own.
const INTERVALS = [
  { status: "closed/mains", started: "23:50", ended: "00:00", heartbeats: 3 },
  { status: "open/mains", started: "00:05", ended: "00:05", heartbeats: 1 },
  { status: "open/mains", started: "00:30", ended: "00:45", heartbeats: 3 },
  { status: "closed/mains", started: "01:10", ended: "01:10", heartbeats: 1 },
  { status: "closed/battery", started: "01:40", ended: "01:40", heartbeats: 1 },
  { status: "closed/mains", started: "02:30", ended: "02:30", heartbeats: 1 },
];

describe("heartbeat rollups through the recorder's write path", () => {
  it("counts each heartbeat once per machine and seq, per UTC hour, and builds the health intervals", async () => {
    const a = await writeEvents(db, A, undefined, NOW);
    expect(a).toEqual({ inserted: 5, duplicates: 0, conflicts: 0 });
    const b = await writeEvents(db, B, undefined, NOW);
    expect(b).toEqual({ inserted: 3, duplicates: 2, conflicts: 0 });
    await writeEvents(db, C, undefined, NOW);
    expect(await writeEvents(db, D, undefined, NOW)).toEqual({ inserted: 2, duplicates: 0, conflicts: 0 });
    expect(await hours()).toEqual(HOURS);
    expect(await intervals()).toEqual(INTERVALS);
  });

  it("a redelivered batch (after a crash, beyond the position's guard) changes nothing", async () => {
    for (const batch of [A, B, C, D]) {
      const r = await writeEvents(db, batch, undefined, NOW);
      expect(r.inserted).toBe(0);
    }
    expect(await hours()).toEqual(HOURS);
    expect(await intervals()).toEqual(INTERVALS);
  });

  it("no heartbeat has a raw row or an event key; the dispense has both; the operators' counts hold every heartbeat once", async () => {
    const raw = await sql<{ kind: string }>`SELECT kind FROM ingest.raw_event WHERE source_id = ${M}`.execute(
      db,
    );
    expect(raw.rows).toEqual([{ kind: "dispense" }]);
    const keys = await sql<{
      event_key: string;
    }>`SELECT event_key FROM ingest.event_key WHERE event_key LIKE ${`${M}:%`}`.execute(db);
    expect(keys.rows).toEqual([{ event_key: `${M}:5` }]);
    const counts = await sql<{ kind: string; n: number }>`
      SELECT kind, sum(events)::int AS n FROM ingest.event_count WHERE prison_id = ${P} GROUP BY kind ORDER BY kind`.execute(
      db,
    );
    expect(counts.rows).toEqual([
      { kind: "dispense", n: 1 },
      { kind: "heartbeat", n: 10 },
    ]);
  });

  it("the local day (Chisinau, DST change) sums whole UTC hours: its 10 heartbeats, none twice", async () => {
    // 2026-03-29 local starts 2026-03-28T22:00Z (EET) and ends 2026-03-29T21:00Z (EEST).
    const r = await sql<{ n: number }>`
      SELECT sum(heartbeats)::int AS n FROM ingest.heartbeat_hourly
      WHERE machine_id = ${M} AND (hour AT TIME ZONE 'Europe/Chisinau')::date = '2026-03-29'`.execute(db);
    expect(r.rows[0]?.n).toBe(10);
  });

  it("two writers of the same heartbeats at once count them once (the advisory lock serialises them)", async () => {
    const beats = Array.from({ length: 50 }, (_, i) =>
      hb(100 + i, `2026-03-29T05:${String(i).padStart(2, "0")}:00Z`, 20),
    );
    const rs = await Promise.all([
      writeEvents(db, beats, undefined, NOW),
      writeEvents(db, [...beats].reverse(), undefined, NOW),
    ]);
    expect(rs.map((r) => r.inserted).sort()).toEqual([0, 50]);
    const r = await sql<{
      n: number;
    }>`SELECT heartbeats AS n FROM ingest.heartbeat_hourly WHERE machine_id = ${M} AND hour = '2026-03-29T05:00Z'`.execute(
      db,
    );
    expect(r.rows[0]?.n).toBe(50);
  });

  it("migration 0025 rolls up the raw heartbeats recorded before it, then drops them and their event keys", async () => {
    const admin = createDb(iso.servers.postgresAdminUrl, { max: 1 });
    await ensureDatabase(admin, `${iso.tag}m`);
    await admin.destroy();
    const old = createDb(withDatabase(iso.servers.postgresAdminUrl, `${iso.tag}m`), { max: 1 });
    try {
      await withRolesLock(iso.servers.postgresAdminUrl, () =>
        migrateToLatest(old, Object.fromEntries(Object.entries(MIGRATIONS).filter(([n]) => n < "0025"))),
      );
      // The script's heartbeats and dispense as the recorder stored them before: raw rows and keys.
      for (const r of [...A, ...B.slice(0, 2), B[3]!, ...C]) {
        await sql`INSERT INTO ingest.raw_event (event_time, event_key, prison_id, source_id, seq, kind, payload)
          VALUES (${r.time}, ${r.key}, ${r.prisonId}, ${r.sourceId}, ${r.seq}, ${r.kind}, ${r.payload}::jsonb)`.execute(
          old,
        );
        await sql`INSERT INTO ingest.event_key (event_key, event_time, digest) VALUES (${r.key}, ${r.time}, 'x')`.execute(
          old,
        );
      }
      await withRolesLock(iso.servers.postgresAdminUrl, () => migrateToLatest(old, MIGRATIONS));
      const rows = await sql<Record<string, unknown>>`
        SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') AS hour, heartbeats, temp_count, temp_min, temp_max,
               temp_sum, door_open, on_battery, seqs::text AS seqs
        FROM ingest.heartbeat_hourly WHERE machine_id = ${M} ORDER BY hour`.execute(old);
      // By hand: the script without the late D (seqs 10 and 11): hour 00 holds 3, 4, 6.
      expect(rows.rows).toEqual(
        HOURS.map((h) =>
          h.hour === "2026-03-29T00"
            ? { ...h, heartbeats: 3, temp_count: 3, temp_sum: 24, door_open: 2, seqs: "{[3,5),[6,7)}" }
            : h,
        ),
      );
      const left = await sql<{ kind: string }>`SELECT kind FROM ingest.raw_event`.execute(old);
      expect(left.rows).toEqual([{ kind: "dispense" }]);
      const keys = await sql<{ event_key: string }>`SELECT event_key FROM ingest.event_key`.execute(old);
      expect(keys.rows).toEqual([{ event_key: `${M}:5` }]);
    } finally {
      await old.destroy();
    }
  });

  it("a temperature the contract accepts but a 4-byte float cannot hold (1e-300 °C) is counted, its value kept exactly", async () => {
    // CI found it: the rollups' min/max were `real`, and 1e-300 (within -40…85) failed the batch
    // with "out of range for type real"; the heartbeat was parked and not counted.
    const m = `${M}-tiny`;
    const t = "2026-03-29T05:10:00Z";
    const e = {
      kind: "heartbeat",
      prisonId: P,
      machineId: m,
      seq: 1,
      deviceTime: t,
      temperatureC: 1e-300,
      door: "closed",
      power: "mains",
    };
    const rec = {
      key: `${m}:1`,
      time: t,
      prisonId: P,
      sourceId: m,
      seq: 1,
      kind: "heartbeat",
      digest: "",
      payload: JSON.stringify(e),
    };
    expect((await writeEvents(db, [rec], undefined, NOW)).inserted).toBe(1);
    const r = await sql<{ heartbeats: number; temp_min: number; temp_max: number; temp_sum: number }>`
      SELECT heartbeats, temp_min, temp_max, temp_sum FROM ingest.heartbeat_hourly WHERE machine_id = ${m}`.execute(
      db,
    );
    expect(r.rows).toEqual([{ heartbeats: 1, temp_min: 1e-300, temp_max: 1e-300, temp_sum: 1e-300 }]);
  });
});
