import { HIDDEN, UNDEFINED } from "@hrvend/coverage";
import {
  DASHBOARDS,
  panelsOf,
  type Queryable,
  resolveVariables,
  runPanel,
  type TimeRange,
} from "@hrvend/dashboards";
import { formatValue, previewData, renderHtml } from "@hrvend/dashboards/preview";
import { expect } from "vitest";

/**
 * The funder dashboard against the publication it reads (issue #15, one symbol): run as the funder
 * role over `range`, the table "Coverage by prison and quarter" must show HIDDEN exactly where
 * the publication names a column in `suppressed` and UNDEFINED exactly where a value is NULL
 * without being hidden; no funder panel may show an empty cell, "NaN" or "null"; the programme's
 * stats read HIDDEN exactly when the latest quarter's programme row hides the figure; the preview
 * page (as `hrvend dashboards preview` draws it at `now`) draws the same. The reference comes from
 * `funder.coverage` itself, not from the dashboard's SQL. Returns how many of each it saw.
 */
export async function checkFunderSymbols(
  db: Queryable,
  range: TimeRange,
  now: Date,
): Promise<{ hidden: number; undefined: number }> {
  const spec = DASHBOARDS.find((d) => d.access === "funder")!;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const vars = await resolveVariables(db, spec, range);
  const pub = (
    await db.query(
      `SELECT period_start::text AS period, prison_id, suppressed, nsp_clients, nsp_regular, nsp_reach_pct,
              regular_pct, syringes, syringes_per_pwid_year, syringe_band, oat_active_end, oat_reach_pct,
              oat_band, naloxone_kits, naloxone_per_100_releases
       FROM funder.coverage
       WHERE grain = 'quarter' AND days_observed > 0
         AND period_end >= '${day(range.from)}'::date AND period_start <= '${day(range.to)}'::date`,
    )
  ).rows as Record<string, unknown>[];
  /** Table column → publication column and its name in `suppressed`. */
  const COLUMNS: Record<string, [string, string]> = {
    nsp_clients: ["nsp_clients", "nspClients"],
    nsp_regular: ["nsp_regular", "nspRegular"],
    nsp_reach_pct: ["nsp_reach_pct", "nspReachPct"],
    regular_pct: ["regular_pct", "regularPct"],
    syringes: ["syringes", "syringes"],
    syringes_per_pwid_year: ["syringes_per_pwid_year", "syringesPerPwidYear"],
    syringe_band: ["syringe_band", "syringeBand"],
    oat_clients: ["oat_active_end", "oatActiveEnd"],
    oat_reach_pct: ["oat_reach_pct", "oatReachPct"],
    oat_band: ["oat_band", "oatBand"],
    naloxone_kits: ["naloxone_kits", "naloxoneKits"],
    naloxone_per_100_releases: ["naloxone_per_100_releases", "naloxonePer100Releases"],
  };
  const expected = { hidden: 0, undefined: 0 };
  for (const r of pub)
    for (const [col, camel] of Object.values(COLUMNS)) {
      if ((r["suppressed"] as string[]).includes(camel)) expected.hidden++;
      else if (r[col] === null) expected.undefined++;
    }

  const table = panelsOf(spec).find((p) => p.title === "Coverage by prison and quarter")!;
  const shown = await runPanel(db, table, range, vars);
  expect(shown.rows.length, "table rows = publication's quarters in range").toBe(pub.length);
  const seen = { hidden: 0, undefined: 0 };
  for (const r of shown.rows)
    for (const c of Object.keys(COLUMNS)) {
      const text = formatValue(r[c], undefined, undefined, table.specialValues);
      expect(text, `${c} ${JSON.stringify(r)}`).not.toMatch(/^$|NaN|null|undefined/);
      if (text === HIDDEN) seen.hidden++;
      if (text === UNDEFINED) seen.undefined++;
    }
  expect(seen, "[c] and – in the table against the publication").toEqual(expected);

  for (const panel of panelsOf(spec)) {
    expect(panel.specialValues, panel.title).toBeDefined();
    const r = await runPanel(db, panel, range, vars);
    for (const row of r.rows)
      for (const c of r.columns)
        expect(
          formatValue(row[c], panel.unit, panel.decimals, panel.specialValues),
          `${panel.title} ${c}`,
        ).not.toMatch(/^$|^(NaN|null|undefined)$/);
  }

  const programme = pub
    .filter((x) => x["prison_id"] === "*")
    .sort((a, b) => String(b["period"]).localeCompare(String(a["period"])))[0];
  if (programme)
    for (const [title, camel] of [
      ["NSP clients", "nspClients"],
      ["NSP reach", "nspReachPct"],
      ["Syringes per PWID per year", "syringesPerPwidYear"],
      ["OAT reach", "oatReachPct"],
      ["Naloxone kits per 100 releases", "naloxonePer100Releases"],
    ] as const) {
      const panel = panelsOf(spec).find((p) => p.title === title)!;
      const r = await runPanel(db, panel, range, vars);
      const text = formatValue(r.rows[0]?.[r.columns[0]!], panel.unit, panel.decimals, panel.specialValues);
      if ((programme["suppressed"] as string[]).includes(camel)) expect(text, title).toBe(HIDDEN);
      else expect(text, title).not.toBe(HIDDEN);
    }

  // The preview (its own default range ending at `now`, the table's first 25 rows).
  const data = await previewData(db, { now, dashboards: [spec] });
  const html = renderHtml(data, now);
  expect(html).not.toContain('class="error"');
  const previewed = data[0]!.panels.flat().find((p) => p.panel.title === table.title)!.result!;
  const inTable = previewed.rows
    .slice(0, 25)
    .flatMap((r) =>
      previewed.columns.map((c) => formatValue(r[c], undefined, undefined, table.specialValues)),
    )
    .filter((t) => t === HIDDEN).length;
  expect(html.split(`<td>${HIDDEN}</td>`).length - 1, "[c] cells in the preview's table").toBe(inTable);
  expect(html).not.toMatch(/<td><\/td>|>NaN</);
  return seen;
}
