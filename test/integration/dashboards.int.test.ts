import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  DASHBOARDS,
  type PanelSpec,
  panelsOf,
  type Queryable,
  resolveVariables,
  runPanel,
  type TimeRange,
  withConnection,
} from "@hrvend/dashboards";
import { renderPreview } from "@hrvend/dashboards/preview";
import { chromiumAvailable, screenshotHtml } from "@hrvend/infra/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilledPipeline, fillPipeline } from "../support/dashboards";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

// The pilot scenario's prison ids are fixed: the pipeline runs on a broker and NATS of this file's own.
const iso = isolate("dashboards");
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "hrvend-dashboards-"));
chmodSync(dir, 0o755);
const DAYS = 30;
let tdb: TestDatabase;
let fill: FilledPipeline;
let grafanaUrl: string;

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
  grafanaUrl = tdb.roleUrl("hrvend_grafana");
}, 600_000);

afterAll(async () => {
  await fill?.stop();
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
  it("every panel's SQL, expanded as Grafana does, runs as hrvend_grafana and returns the columns it expects", async () => {
    expect(fill.events).toBeGreaterThan(20_000);
    await withConnection(grafanaUrl, async (db) => {
      for (const spec of DASHBOARDS) {
        const range = wholeRun();
        const vars = await resolveVariables(db, spec, range);
        for (const v of spec.variables)
          expect((vars[v.name]!.value as string[]).length, v.name).toBeGreaterThan(0);
        expect(vars["prison"]!.value).toEqual([...fill.prisons].sort());
        for (const panel of panelsOf(spec)) await checkPanel(db, panel, range, vars);
      }
    });
  });

  it("one prison selected: the multi-value variable narrows every table to it", async () => {
    const prison = fill.prisons[0]!;
    await withConnection(grafanaUrl, async (db) => {
      for (const spec of DASHBOARDS) {
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
      }
    });
  });

  it("the dashboards' own default ranges, ending at the run's last event, show data in every panel the data guarantees", async () => {
    await withConnection(grafanaUrl, async (db) => {
      const html = await renderPreview(db, { now: fill.end });
      for (const p of DASHBOARDS.flatMap(panelsOf)) expect(html).toContain(p.title.replace(/&/g, "&amp;"));
      expect(html).not.toContain('class="error"');
      expect(html).toContain("<svg");
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    });
  });

  it("hrvend_grafana reads the reporting and funder views, never a card token or a raw payload", async () => {
    await withConnection(grafanaUrl, async (db) => {
      await expect(db.query("SELECT payload FROM ingest.raw_event LIMIT 1")).rejects.toThrow(
        /permission denied/,
      );
      await expect(db.query("SELECT card_token FROM coverage.card LIMIT 1")).rejects.toThrow(
        /permission denied/,
      );
      const cols = await db.query(
        `SELECT table_schema, table_name, column_name FROM information_schema.columns
         WHERE table_schema IN ('reporting', 'funder') AND (column_name ILIKE '%token%' OR column_name = 'payload')`,
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
        "--database-url",
        grafanaUrl,
        "--out",
        out,
        "--now",
        fill.end.toISOString(),
      ],
      { cwd: ROOT, env: { PATH: process.env["PATH"] ?? "" } },
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
