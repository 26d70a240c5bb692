import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * Retention (issue #20): `hrvend retention run` drops exactly the chunks that end at or before
 * now minus each table's setting, and nothing else. The reference is computed here from the
 * definition (1-day chunks aligned on UTC midnights, TimescaleDB's default origin): with the
 * cutoff inside a day, that whole day's chunk stays, every earlier day goes.
 */
const iso = isolate("retention");
let tdb: TestDatabase;
let db: Kysely<any>;
const DAY = 86_400_000;
const NOW = "2026-06-15T12:00:00Z";
const FROM = Date.parse("2026-05-25T00:00:00Z");
const HOURS = 21 * 24; // hourly readings from 2026-05-25 to 2026-06-14 23:00

beforeAll(async () => {
  tdb = await testDatabase(iso);
  db = tdb.db;
  await sql`CREATE SCHEMA keep_test`.execute(db);
  for (const t of ["reading", "untouched"]) {
    await sql`CREATE TABLE ${sql.raw(`keep_test.${t}`)} (at timestamptz NOT NULL, v int NOT NULL)`.execute(
      db,
    );
    await sql`SELECT create_hypertable(${`keep_test.${t}`}::regclass, by_range('at', INTERVAL '1 day'))`.execute(
      db,
    );
    await sql`INSERT INTO ${sql.raw(`keep_test.${t}`)} (at, v)
      SELECT ${new Date(FROM)}::timestamptz + make_interval(hours => h), h FROM generate_series(0, ${HOURS - 1}) AS h`.execute(
      db,
    );
  }
  await sql`CREATE TABLE keep_test.plain (at timestamptz)`.execute(db);
}, 240_000);

afterAll(async () => {
  await tdb?.close();
});

const cli = (...args: string[]) => hrvend(["retention", ...args, "--database-url", tdb.adminUrl]);
const count = async (t: string) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.raw(`keep_test.${t}`)}`.execute(db)).rows[0]
    ?.n;

describe("hrvend retention", () => {
  it("starts with the deployment's defaults for the raw events, heartbeat rollups, dead letters and level changes", async () => {
    const r = await cli("show", "--json");
    expect(r.code, r.stderr).toBe(0);
    const tables = (JSON.parse(r.stdout) as { tables: { table: string; keepDays: number }[] }).tables;
    expect(Object.fromEntries(tables.map((x) => [x.table, x.keepDays]))).toEqual({
      "ingest.dead_letter": 90,
      "ingest.heartbeat_hourly": 400,
      "ingest.machine_health_interval": 400,
      "ingest.raw_event": 400,
      "stock.level_change": 400,
    });
  });

  it("refuses a table that is not a hypertable, and a period it cannot read, with a clear error", async () => {
    const plain = await cli("set", "keep_test.plain", "10d");
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain("keep_test.plain is not a hypertable");
    const months = await cli("set", "keep_test.reading", "3 months");
    expect(months.code).toBe(2);
    expect(months.stderr).toContain("not a retention period");
  });

  it("a dry run lists the chunks past the cutoff and drops nothing", async () => {
    expect((await cli("set", "keep_test.reading", "10d")).code).toBe(0);
    const r = await cli("run", "--dry-run", "--now", NOW, "--json");
    expect(r.code, r.stderr).toBe(0);
    const row = (
      JSON.parse(r.stdout) as { ran: boolean; tables: { table: string; chunks: unknown[]; cutoff: string }[] }
    ).tables.find((x) => x.table === "keep_test.reading");
    // cutoff 2026-06-05T12:00Z: the days 05-25 … 06-04 (11 chunks) end at or before it.
    expect(row?.cutoff).toBe("2026-06-05T12:00:00.000Z");
    expect(row?.chunks).toHaveLength(11);
    expect(await count("reading")).toBe(HOURS);
  });

  it("a role other than the owner cannot drop anything", async () => {
    const r = await hrvend([
      "retention",
      "run",
      "--now",
      NOW,
      "--database-url",
      tdb.roleUrl("hrvend_operator"),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/permission denied|must be owner/);
    expect(await count("reading")).toBe(HOURS);
  });

  it("a run drops exactly the rows of the whole days before the cutoff's day, in that table only", async () => {
    const cutoff = Date.parse(NOW) - 10 * DAY;
    const firstKept = Math.floor(cutoff / DAY) * DAY; // the chunk holding the cutoff stays whole
    const expected = Array.from({ length: HOURS }, (_, h) => FROM + h * 3_600_000).filter(
      (t) => t >= firstKept,
    );
    const r = await cli("run", "--now", NOW);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("keep_test.reading");
    const left = await sql<{ at: Date }>`SELECT at FROM keep_test.reading ORDER BY at`.execute(db);
    expect(left.rows.map((x) => x.at.getTime())).toEqual(expected);
    expect(await count("untouched")).toBe(HOURS);
    // A second run at the same instant finds nothing more to drop.
    const again = await cli("run", "--now", NOW, "--json");
    const row = (JSON.parse(again.stdout) as { tables: { table: string; chunks: unknown[] }[] }).tables.find(
      (x) => x.table === "keep_test.reading",
    );
    expect(row?.chunks).toEqual([]);
    expect(await count("reading")).toBe(expected.length);
  });

  it("the heartbeat rollups keep exactly the chunks that end after their cutoff (7-day and 30-day chunks, aligned on the epoch)", async () => {
    // Hourly rollups over 60 days and one health interval a day over 120 days, up to NOW.
    const end = Date.parse(NOW);
    const hourly = Array.from({ length: 60 * 24 }, (_, h) => end - (h + 1) * 3_600_000);
    const daily = Array.from({ length: 120 }, (_, d) => end - (d + 1) * DAY);
    await sql`INSERT INTO ingest.heartbeat_hourly (hour, machine_id, prison_id, heartbeats, seqs)
      SELECT t, 'm-ret', 'p-ret', 1, int8multirange(int8range(n, n + 1))
      FROM unnest(${hourly.map((t) => new Date(t))}::timestamptz[]) WITH ORDINALITY AS x(t, n)`.execute(db);
    await sql`INSERT INTO ingest.machine_health_interval (machine_id, started_at, status, prison_id, ended_at, heartbeats)
      SELECT 'm-ret', t, 'closed/mains', 'p-ret', t + INTERVAL '1 hour', 60
      FROM unnest(${daily.map((t) => new Date(t))}::timestamptz[]) AS x(t)`.execute(db);
    expect((await cli("set", "ingest.heartbeat_hourly", "14d")).code).toBe(0);
    expect((await cli("set", "ingest.machine_health_interval", "40d")).code).toBe(0);
    const r = await cli("run", "--now", NOW);
    expect(r.code, r.stderr).toBe(0);
    // A chunk of n days covers [k·n days, (k+1)·n days) since the epoch: the one holding the cutoff stays.
    const kept = (times: number[], keepDays: number, chunkDays: number) => {
      const firstKept = Math.floor((end - keepDays * DAY) / (chunkDays * DAY)) * chunkDays * DAY;
      return times.filter((t) => t >= firstKept).sort((a, b) => a - b);
    };
    const left = async (q: string) =>
      (await sql<{ t: Date }>`${sql.raw(q)}`.execute(db)).rows.map((x) => x.t.getTime());
    const hoursLeft = await left(
      "SELECT hour AS t FROM ingest.heartbeat_hourly WHERE machine_id = 'm-ret' ORDER BY 1",
    );
    expect(hoursLeft).toEqual(kept(hourly, 14, 7));
    expect(hoursLeft.length).toBeLessThan(hourly.length);
    const intervalsLeft = await left(
      "SELECT started_at AS t FROM ingest.machine_health_interval WHERE machine_id = 'm-ret' ORDER BY 1",
    );
    expect(intervalsLeft).toEqual(kept(daily, 40, 30));
    expect(intervalsLeft.length).toBeLessThan(daily.length);
  });
});
