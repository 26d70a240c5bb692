import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AUDIENCE_ROLE, createDb, type DbRole, grantAdmin, withCredentials } from "@hrvend/runtime/db";
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { inheritedPath } from "../support/config";
import { type FilledPipeline, fillPipeline } from "../support/dashboards";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * `hrvend export figures` (issue #19, scheduled exports): each audience's figures as CSV and XLSX,
 * read with that audience's own database role after a real pipeline run of the pilot. The XLSX
 * must open (read back with exceljs) and hold exactly the CSV's cells; what a role may not read,
 * the export does not get; a superuser or another audience's role is refused.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const iso = isolate("exports");
const dir = mkdtempSync(join(tmpdir(), "hrvend-exports-"));
chmodSync(dir, 0o755);
const DAYS = 20;
const FROM = "2026-01-01";
const TO = "2026-12-31";
const staffLogin = `${iso.tag}_staff`;
let tdb: TestDatabase;
let fill: FilledPipeline;

const AUDIENCES = ["admin", "outreach", "funder", "operator"] as const;
type A = (typeof AUDIENCES)[number];
const LOGIN: Record<A, DbRole> = {
  admin: AUDIENCE_ROLE.administration.login,
  outreach: AUDIENCE_ROLE.outreach.login,
  funder: AUDIENCE_ROLE.funder.login,
  operator: AUDIENCE_ROLE.operator.login,
};
const urlOf = (a: A) => tdb.roleUrl(LOGIN[a]);
const figures = (a: A, format: "csv" | "xlsx", url: string, ...more: string[]) => [
  "export",
  "figures",
  "--audience",
  a,
  "--format",
  format,
  "--from",
  FROM,
  "--to",
  TO,
  "--database-url",
  url,
  ...more,
];

/** An XLSX sheet as the text a CSV reader gets: numbers as JavaScript prints them, empty as "". */
async function xlsxCells(file: string): Promise<{ sheets: string[]; cells: string[][]; about: string[][] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const read = (ws: ExcelJS.Worksheet, width: number) => {
    const out: string[][] = [];
    ws.eachRow({ includeEmpty: true }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= width; c++) {
        const v = row.getCell(c).value;
        cells.push(v === null || v === undefined ? "" : String(v));
      }
      out.push(cells);
    });
    return out;
  };
  const [data, about] = wb.worksheets as [ExcelJS.Worksheet, ExcelJS.Worksheet];
  return {
    sheets: wb.worksheets.map((w) => w.name),
    cells: read(data, data.columnCount),
    about: read(about, 2),
  };
}

beforeAll(async () => {
  tdb = await testDatabase(iso);
  fill = await fillPipeline({
    dir,
    db: tdb.db,
    writerUrl: tdb.roleUrl("hrvend_writer"),
    scenario: "pilot",
    days: DAYS,
    label: `exp-${iso.tag}`,
  });
  await grantAdmin(tdb.db, staffLogin, [fill.prisons[0] as string], iso.servers.rolePassword);
}, 600_000);

afterAll(async () => {
  await fill?.stop();
  await sql`DROP ROLE IF EXISTS ${sql.id(staffLogin)}`.execute(tdb.db).catch(() => undefined);
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hrvend export figures: each audience's figures, CSV and XLSX alike", () => {
  it.each(AUDIENCES)("%s: the XLSX opens and holds exactly the CSV's cells", async (a) => {
    const csv = await hrvend(figures(a, "csv", urlOf(a)));
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parseCsv(csv.stdout) as string[][];
    expect(rows.length, `${a} has figures after ${DAYS} days`).toBeGreaterThan(1);
    const file = join(dir, `${a}.xlsx`);
    const x = await hrvend(figures(a, "xlsx", urlOf(a), "--out", file));
    expect(x.code, x.stderr).toBe(0);
    expect(x.stderr).toContain(`${rows.length - 1} rows`);
    const book = await xlsxCells(file);
    expect(book.cells).toEqual(rows);
    expect(book.sheets[1]).toBe("about");
    expect(book.about).toContainEqual(["database role", LOGIN[a]]);
    expect(book.about).toContainEqual(["audience", a]);
  });

  it("the CSV holds what the audience's role reads, row for row", async () => {
    // Counted through each role's own connection, independently of the exporter's queries.
    const counts: Record<A, string> = {
      admin: `SELECT count(*)::int AS n FROM administration.slot_availability('${FROM}', '2027-01-01')`,
      outreach: `SELECT count(*)::int AS n FROM reporting.dispense_daily WHERE local_date BETWEEN '${FROM}' AND '${TO}'`,
      funder: `SELECT count(*)::int AS n FROM funder.coverage WHERE period_start >= '${FROM}' AND period_end <= '${TO}'`,
      operator: `SELECT count(*)::int AS n FROM reporting.pipeline_counts('${FROM}', '2027-01-01', interval '1 day')`,
    };
    for (const a of AUDIENCES) {
      const db = createDb(urlOf(a), { max: 1 });
      const n = (await sql<{ n: number }>`${sql.raw(counts[a])}`.execute(db)).rows[0]?.n;
      await db.destroy();
      const rows = parseCsv((await hrvend(figures(a, "csv", urlOf(a)))).stdout) as string[][];
      expect(rows.length - 1, a).toBe(n);
    }
  });

  it("funder: every hidden value reads [c], never a number", async () => {
    const rows = parseCsv((await hrvend(figures("funder", "csv", urlOf("funder")))).stdout, {
      columns: true,
    }) as Record<string, string>[];
    const published = await sql<Record<string, unknown>>`
      SELECT scope, grain, period_start::text AS period_start, suppressed FROM coverage.published
      WHERE period_start >= ${FROM}::date AND period_end <= ${TO}::date`.execute(tdb.db);
    const snake = (c: string) =>
      c.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`).replace(/(\D)(\d)/, "$1_$2");
    let hidden = 0;
    for (const p of published.rows) {
      const row = rows.find(
        (r) =>
          r["prison_id"] === p["scope"] &&
          r["grain"] === p["grain"] &&
          r["period_start"] === p["period_start"],
      );
      expect(row, `${p["scope"]} ${p["grain"]} ${p["period_start"]}`).toBeDefined();
      for (const c of p["suppressed"] as string[]) {
        const col = snake(c);
        if (!(col in (row as object))) continue; // a column funders never get
        expect((row as Record<string, string>)[col], `${p["scope"]} ${col}`).toBe("[c]");
        hidden++;
      }
    }
    console.log(`funder export: ${rows.length} rows, ${hidden} hidden cells read [c]`);
    expect(hidden).toBeGreaterThan(0);
  });

  it("a prison's staff login exports its own prison only", async () => {
    const staff = withCredentials(tdb.adminUrl, staffLogin, iso.servers.rolePassword);
    const mine = parseCsv((await hrvend(figures("admin", "csv", staff))).stdout, { columns: true }) as Record<
      string,
      string
    >[];
    const all = parseCsv((await hrvend(figures("admin", "csv", urlOf("admin")))).stdout, {
      columns: true,
    }) as Record<string, string>[];
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((r) => r["prison_id"]))).toEqual(new Set([fill.prisons[0]]));
    expect(new Set(all.map((r) => r["prison_id"])).size).toBeGreaterThan(1);
    expect(mine).toEqual(all.filter((r) => r["prison_id"] === fill.prisons[0]));
  });
});

describe("the scheduled report job (hrvend-export-quarter.sh report)", () => {
  it("writes the quarter just ended's coverage PDF and funder figures, the XLSX equal to the CSV", async () => {
    const reports = join(dir, "reports");
    await promisify(execFile)(join(ROOT, "infra/deploy/systemd/hrvend-export-quarter.sh"), ["report"], {
      env: {
        PATH: inheritedPath(),
        HRVEND_HOME: ROOT,
        // The timer fires on the 5th of April: the quarter just ended is 2026Q1.
        HRVEND_EXPORT_TODAY: "2026-04-05",
        DATABASE_URL: urlOf("funder"),
        HRVEND_REPORT_DIR: reports,
      },
    });
    const q = join(reports, "2026Q1");
    expect(readFileSync(join(q, "coverage-2026Q1.pdf")).subarray(0, 5).toString()).toBe("%PDF-");
    const csv = parseCsv(readFileSync(join(q, "funder-figures-2026Q1.csv"), "utf8")) as string[][];
    expect(csv.length).toBeGreaterThan(1);
    expect(new Set(csv.slice(1).map((r) => r[3]))).toEqual(new Set(["2026-01-01"])); // period_start: Q1 only
    expect((await xlsxCells(join(q, "funder-figures-2026Q1.xlsx"))).cells).toEqual(csv);
  });
});

describe("hrvend export figures: the database decides", () => {
  it("another audience's role, or a superuser, is refused before anything is read", async () => {
    let r = await hrvend(figures("funder", "csv", urlOf("outreach")));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/connected as 'hrvend_outreach', which is not a member of hrvend_funder/);
    expect(r.stdout).toBe("");
    r = await hrvend(figures("operator", "csv", tdb.adminUrl));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/which is a superuser: connect as the operator audience's role/);
    r = await hrvend(figures("outreach", "csv", urlOf("operator")));
    expect(r.stderr).toMatch(/not a member of hrvend_outreach/);
  });

  it("clear errors: xlsx without --out, a bad date, a reversed range", async () => {
    let r = await hrvend(figures("funder", "xlsx", urlOf("funder")));
    expect(r.stderr).toMatch(/--format xlsx needs --out <file\.xlsx>/);
    r = await hrvend(["export", "figures", "--audience", "funder", "--from", "2026-02-30", "--to", TO]);
    expect(r.stderr).toMatch(/--from '2026-02-30' is not a date YYYY-MM-DD/);
    r = await hrvend(["export", "figures", "--audience", "funder", "--from", TO, "--to", FROM]);
    expect(r.stderr).toMatch(/--from 2026-12-31 is after --to 2026-01-01/);
    r = await hrvend(["export", "figures", "--audience", "grafana", "--from", FROM, "--to", TO]);
    // A usage error (an argument commander refuses) exits 2, as every command's (services/cli/README.md, exit codes).
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /argument 'grafana' is invalid. Allowed choices are admin, outreach, funder, operator/,
    );
    for (const x of [r]) expect(x.stderr).not.toMatch(/\n\s+at /);
  });
});
