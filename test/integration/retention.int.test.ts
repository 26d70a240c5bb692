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
  it("starts with the deployment's defaults for the raw events, dead letters and level changes", async () => {
    const r = await cli("show", "--json");
    expect(r.code, r.stderr).toBe(0);
    const tables = (JSON.parse(r.stdout) as { tables: { table: string; keepDays: number }[] }).tables;
    expect(Object.fromEntries(tables.map((x) => [x.table, x.keepDays]))).toEqual({
      "ingest.dead_letter": 90,
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
});
