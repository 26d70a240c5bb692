import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * Raw OAT client ids never reach PostgreSQL's log (red team, finding 2). The deployment logs
 * slow statements (infra/deploy/postgres/hrvend.conf, log_min_duration_statement), and with
 * them, by default, their bind parameters: `hrvend import oat` used to send every cell of the
 * file's prison column as one, so a file with its columns swapped put client ids there.
 *
 * Here every statement of the test's database is logged (log_min_duration_statement = 0) with
 * its parameters in full (PostgreSQL's default), and the real server's log file is read.
 */

const iso = isolate("importlog");
let tdb: TestDatabase;
let logFile: string;
let dir: string;
const SECRET = randomBytes(32).toString("hex");
const P = iso.prison("p1");
const CONF = fileURLToPath(new URL("../../infra/deploy/postgres/hrvend.conf", import.meta.url));

beforeAll(async () => {
  tdb = await testDatabase(iso);
  dir = mkdtempSync(join(tmpdir(), "hrvend-import-log-"));
  const dataDir = (await sql<{ data_directory: string }>`SHOW data_directory`.execute(tdb.db)).rows[0]!
    .data_directory;
  logFile = join(dirname(dataDir), "postgres.log"); // infra/local-stack/src/postgres.ts
  await sql`
    INSERT INTO ingest.raw_event (event_time, event_key, prison_id, source_id, seq, kind, payload)
    VALUES ('2026-01-01T00:00:00Z', ${`${P}-registry:1`}, ${P}, ${`${P}-registry`}, 1, 'ref_prison',
      ${JSON.stringify({ prisonId: P, timeZone: "Europe/Chisinau" })}::jsonb)`.execute(tdb.db);
  await sql`ALTER DATABASE ${sql.id(tdb.name)} SET log_min_duration_statement = 0`.execute(tdb.db);
}, 240_000);

afterAll(async () => {
  await sql`ALTER DATABASE ${sql.id(tdb.name)} RESET ALL`.execute(tdb.db).catch(() => undefined);
  await tdb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the server logged from `from` (a byte offset) on. */
const logSince = (from: number) => readFileSync(logFile).subarray(from).toString("utf8");

describe("raw OAT client ids stay out of PostgreSQL's log", () => {
  it("an OAT file with its client id and prison columns swapped: the ids are not sent to the database", async () => {
    const ids = Array.from({ length: 3 }, () => `CLIENT${randomBytes(6).toString("hex").toUpperCase()}`);
    const file = join(dir, "swapped.csv");
    writeFileSync(
      file,
      [
        "client_id,prison,date,event,medicine,dose_mg,discharge_reason,time",
        ...ids.map((id) => `${P},${id},2026-03-20,enrol,methadone,40,,10:15`),
        "",
      ].join("\n"),
    );
    const from = statSync(logFile).size;
    const r = await hrvend(
      [
        "import",
        "oat",
        file,
        "--dry-run",
        "--json",
        "--database-url",
        tdb.roleUrl("hrvend_writer"),
        "--mqtt-url",
        iso.servers.mqttUrl,
      ],
      { HRVEND_DEPLOYMENT_SECRET: SECRET, HRVEND_STATE_DIR: join(dir, "no-stack") },
    );
    // Refused row by row: no such prison in the registry (the value itself is never quoted).
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.problems.map((p: { column: string }) => p.column)).toEqual(["prison", "prison", "prison"]);
    for (const id of ids) expect(r.stdout + r.stderr).not.toContain(id);
    // Not vacuous: the command's look-up of the registry's prisons is in the log…
    await expect.poll(() => logSince(from), { timeout: 10_000 }).toMatch(/ref_prison/);
    // …and no client id is, in a statement or in its parameters.
    const logged = logSince(from);
    for (const id of ids) expect(logged).not.toContain(id);
  });

  it("the deployment's settings keep every statement's parameters out of the log, failed statements' too", async () => {
    const conf = readFileSync(CONF, "utf8");
    const setting = (name: string) =>
      conf.match(new RegExp(`^${name}\\s*=\\s*(-?\\d+)\\s*(#.*)?$`, "m"))?.[1];
    const marker = () => `MARK${randomBytes(6).toString("hex").toUpperCase()}`;
    const [slow, failed] = [marker(), marker()];
    // A connection with the deployment's settings (log_min_duration_statement lowered to log all).
    const db = tdb.db;
    await db.connection().execute(async (c) => {
      for (const name of ["log_parameter_max_length", "log_parameter_max_length_on_error"]) {
        const v = setting(name);
        expect(v, `${name} in hrvend.conf`).toBeDefined();
        await sql`SELECT set_config(${name}, ${v}, false)`.execute(c);
      }
      await sql`SET log_min_duration_statement = 0`.execute(c);
      const from = statSync(logFile).size;
      await sql`SELECT length(${slow}::text) AS n`.execute(c);
      await expect(sql`SELECT length(${failed}::text) / 0 AS n`.execute(c)).rejects.toThrow(
        /division by zero/,
      );
      // Both statements are logged (not vacuous), neither parameter is.
      await expect.poll(() => logSince(from), { timeout: 10_000 }).toMatch(/SELECT length\(\$1::text\) AS n/);
      await expect.poll(() => logSince(from), { timeout: 10_000 }).toMatch(/SELECT length\(\$1::text\) \/ 0/);
      const logged = logSince(from);
      expect(logged).not.toContain(slow);
      expect(logged).not.toContain(failed);
    });
  });
});
