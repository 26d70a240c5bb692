import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromiumAvailable, screenshotHtml } from "@hrvend/cli/render";
import { HIDDEN, UNDEFINED } from "@hrvend/coverage";
import {
  ACCESS,
  type Audience,
  DASHBOARDS,
  type PanelSpec,
  panelsOf,
  type Queryable,
  resolveVariables,
  runPanel,
  type TimeRange,
  withAudienceConnections,
  withConnection,
} from "@hrvend/dashboards";
import { formatValue, renderPreview } from "@hrvend/dashboards/preview";
import { AUDIENCES, type DbRole, grantAdmin, withCredentials } from "@hrvend/runtime/db";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inheritedPath } from "../support/config";
import { type FilledPipeline, fillPipeline } from "../support/dashboards";
import { checkFunderSymbols } from "../support/funder-symbols";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

// The pilot scenario's prison ids are fixed: the pipeline runs on a broker and NATS of this file's own.
const iso = isolate("dashboards");
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "hrvend-dashboards-"));
chmodSync(dir, 0o755);
const DAYS = 30;
let tdb: TestDatabase;
let fill: FilledPipeline;
/** Each audience's database login, as its Grafana datasource uses it. */
let urls: Record<Audience, string>;
/** A prison staff group's login that sees the first prison only (hrvend access grant-admin). */
let staffUrl: string;
const staffLogin = `${iso.tag}_staff`;

beforeAll(async () => {
  tdb = await testDatabase(iso);
  fill = await fillPipeline({
    dir,
    db: tdb.db,
    writerUrl: tdb.roleUrl("hrvend_writer"),
    scenario: "pilot",
    days: DAYS,
    label: `dash-${iso.tag}`,
  });
  urls = Object.fromEntries(AUDIENCES.map((a) => [a, tdb.roleUrl(ACCESS[a].role as DbRole)])) as Record<
    Audience,
    string
  >;
  await grantAdmin(tdb.db, staffLogin, [fill.prisons[0]!], iso.servers.rolePassword);
  staffUrl = withCredentials(tdb.adminUrl, staffLogin, iso.servers.rolePassword);
}, 600_000);

afterAll(async () => {
  await fill?.stop();
  await sql`DROP ROLE IF EXISTS ${sql.id(staffLogin)}`.execute(tdb.db).catch(() => undefined);
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A range over the whole run and up to the wall clock (dead letters are stamped when they arrive). */
const wholeRun = (): TimeRange => ({
  from: new Date(fill.start.getTime() - 86_400_000),
  to: new Date(Math.max(Date.now(), fill.end.getTime()) + 3_600_000),
});

async function checkPanel(
  db: Queryable,
  panel: PanelSpec,
  range: TimeRange,
  vars: Parameters<typeof runPanel>[3],
) {
  const r = await runPanel(db, panel, range, vars).catch((e: Error) => {
    throw new Error(`${panel.title}: ${e.message}\n${panel.query.sql}`);
  });
  expect(r.columns, panel.title).toEqual(panel.query.columns);
  if (panel.rows === "some") expect(r.rows.length, `${panel.title} returned no row`).toBeGreaterThan(0);
  if (panel.format === "time_series")
    for (const row of r.rows) {
      const t = row["time"] as Date;
      expect(t, panel.title).toBeInstanceOf(Date);
      expect(t.getTime(), panel.title).toBeLessThanOrEqual(range.to.getTime());
    }
  return r;
}

describe("dashboards against a simulated pilot run through the real pipeline", () => {
  it("every panel's SQL, expanded as Grafana does, runs as its audience's role and returns the columns it expects", async () => {
    expect(fill.events).toBeGreaterThan(20_000);
    for (const spec of DASHBOARDS)
      await withConnection(urls[spec.access], async (db) => {
        const range = wholeRun();
        const vars = await resolveVariables(db, spec, range);
        for (const v of spec.variables)
          expect((vars[v.name]!.value as string[]).length, v.name).toBeGreaterThan(0);
        expect(vars["prison"]!.value).toEqual([...fill.prisons].sort());
        for (const panel of panelsOf(spec)) await checkPanel(db, panel, range, vars);
      });
  });

  it("no panel runs under another audience's role: each dashboard needs its own boundary", async () => {
    for (const spec of DASHBOARDS) {
      const range = wholeRun();
      const vars = await withConnection(urls[spec.access], (db) => resolveVariables(db, spec, range));
      for (const other of AUDIENCES.filter((a) => a !== spec.access))
        await withConnection(urls[other], async (db) => {
          for (const panel of panelsOf(spec))
            await expect(
              runPanel(db, panel, range, vars),
              `${spec.uid} ${panel.title} as ${other}`,
            ).rejects.toThrow(/permission denied/);
        });
    }
  });

  it("a prison's staff login sees its prison only on the administration dashboard, whatever is selected", async () => {
    const prison = fill.prisons[0]!;
    const spec = DASHBOARDS.find((d) => d.access === "administration")!;
    const range = wholeRun();
    // Every prison selected, as the national administration's variables list them.
    const all = await withConnection(urls.administration, (db) => resolveVariables(db, spec, range));
    expect((all["prison"]!.value as string[]).length).toBe(fill.prisons.length);
    await withConnection(staffUrl, async (db) => {
      const own = await resolveVariables(db, spec, range);
      expect(own["prison"]!.value).toEqual([prison]);
      let rows = 0;
      for (const panel of panelsOf(spec)) {
        const r = await runPanel(db, panel, range, all);
        expect(r.columns, panel.title).toEqual(panel.query.columns);
        if (r.columns.includes("prison_id"))
          for (const row of r.rows) {
            expect(row["prison_id"], panel.title).toBe(prison);
            rows++;
          }
        if (r.columns.includes("machine_id"))
          for (const row of r.rows)
            expect(String(row["machine_id"]).startsWith(`${prison}-`), panel.title).toBe(true);
      }
      expect(rows).toBeGreaterThan(0);
    });
  });

  it("one prison selected: the multi-value variable narrows every table to it", async () => {
    const prison = fill.prisons[0]!;
    for (const spec of DASHBOARDS)
      await withConnection(urls[spec.access], async (db) => {
        const range = wholeRun();
        const vars = await resolveVariables(db, spec, range, { prison: [prison] });
        expect(vars["prison"]!.value).toEqual([prison]);
        for (const machine of (vars["machine"]?.value ?? []) as string[])
          expect(machine.startsWith(`${prison}-`)).toBe(true);
        for (const panel of panelsOf(spec)) {
          const r = await runPanel(db, panel, range, vars);
          expect(r.columns, panel.title).toEqual(panel.query.columns);
          if (r.columns.includes("prison_id"))
            for (const row of r.rows) expect(row["prison_id"], panel.title).toBe(prison);
        }
      });
  });

  it("the dashboards' own default ranges, ending at the run's last event, show data in every panel the data guarantees", async () => {
    await withAudienceConnections(urls, async (db) => {
      const html = await renderPreview(db, { now: fill.end });
      for (const p of DASHBOARDS.flatMap(panelsOf)) expect(html).toContain(p.title.replace(/&/g, "&amp;"));
      expect(html).not.toContain('class="error"');
      expect(html).toContain("<svg");
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    });
  });

  it("funder panels show [c] for every hidden value and – for every undefined one, as the publication says: never an empty cell", async () => {
    // 30 days of the pilot hide nothing: hide figures of the latest quarter (a prison's and the
    // programme's) in the publication, as the service does (NULL, named in suppressed), then restore.
    const HIDE = [
      "nspClients",
      "nspReachPct",
      "syringes",
      "syringesPerPwidYear",
      "syringeBand",
      "oatReachPct",
    ];
    const where = sql`grain = 'quarter' AND scope IN (${fill.prisons[0]!}, '*')
      AND period_start = (SELECT max(period_start) FROM coverage.published WHERE grain = 'quarter')`;
    const backup = sql.raw(`public.${iso.tag}_published`);
    await sql`CREATE TABLE ${backup} AS SELECT * FROM coverage.published WHERE ${where}`.execute(tdb.db);
    try {
      const planted = await sql`
        UPDATE coverage.published SET suppressed = suppressed || ${HIDE}::text[], nsp_clients = NULL,
          nsp_reach_pct = NULL, syringes = NULL, syringes_per_pwid_year = NULL, syringe_band = NULL, oat_reach_pct = NULL
        WHERE ${where}`.execute(tdb.db);
      expect(Number(planted.numAffectedRows)).toBe(2);
      const seen = await withConnection(urls.funder, (db) => checkFunderSymbols(db, wholeRun(), fill.end));
      expect(seen.hidden).toBeGreaterThanOrEqual(2 * HIDE.length);
      // Regular access needs two observed 30-day windows: undefined in a 30-day run.
      expect(seen.undefined).toBeGreaterThan(0);
    } finally {
      await sql`
        UPDATE coverage.published p SET suppressed = b.suppressed, nsp_clients = b.nsp_clients,
          nsp_reach_pct = b.nsp_reach_pct, syringes = b.syringes, syringes_per_pwid_year = b.syringes_per_pwid_year,
          syringe_band = b.syringe_band, oat_reach_pct = b.oat_reach_pct
        FROM ${backup} b WHERE p.grain = b.grain AND p.period_start = b.period_start AND p.scope = b.scope`.execute(
        tdb.db,
      );
      await sql`DROP TABLE ${backup}`.execute(tdb.db);
    }
  });

  it("no audience's role reads a card token or a raw payload", async () => {
    for (const a of AUDIENCES)
      await withConnection(urls[a], async (db) => {
        await expect(db.query("SELECT payload FROM ingest.raw_event LIMIT 1"), a).rejects.toThrow(
          /permission denied/,
        );
        await expect(db.query("SELECT card_token FROM coverage.card LIMIT 1"), a).rejects.toThrow(
          /permission denied/,
        );
        const cols = await db.query(
          `SELECT table_schema, table_name, column_name FROM information_schema.columns
           WHERE table_schema IN ('reporting', 'funder', 'administration') AND (column_name ILIKE '%token%' OR column_name = 'payload')`,
        );
        expect(cols.rows).toEqual([]);
      });
  });

  it("`hrvend dashboards preview` writes the page; headless Chromium screenshots it", async () => {
    const out = join(dir, "preview.html");
    const r = await promisify(execFile)(
      process.execPath,
      [
        "services/cli/bin/hrvend.js",
        "dashboards",
        "preview",
        ...AUDIENCES.flatMap((a) => ["--audience-url", `${a}=${urls[a]}`]),
        "--out",
        out,
        "--now",
        fill.end.toISOString(),
      ],
      { cwd: ROOT, env: { PATH: inheritedPath() } },
    );
    expect(r.stdout).toMatch(/wrote .*preview\.html/);
    const html = readFileSync(out, "utf8");
    for (const spec of DASHBOARDS) expect(html).toContain(spec.title.replace(/&/g, "&amp;"));
    expect(chromiumAvailable(), "Chromium (infra/scripts/provision.sh)").toBe(true);
    const png = join(dir, "preview.png");
    const bytes = await screenshotHtml(html, png, 1400);
    expect(existsSync(png)).toBe(true);
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    // A page of charts and tables, not a blank one.
    expect(statSync(png).size).toBeGreaterThan(100_000);
  });
});
