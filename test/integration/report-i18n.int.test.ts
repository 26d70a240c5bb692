import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumAvailable, withBrowser } from "@hrvend/cli/render";
import { HIDDEN, publishIfBehind, UNDEFINED } from "@hrvend/coverage";
import { type FunderFigure, readFunderData } from "@hrvend/coverage/read";
import { applyBatch } from "@hrvend/coverage/store";
import { newSecret } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import { catalogues, INTL_LOCALE, LANGS, type Lang } from "@hrvend/runtime/i18n";
import { parseEvent } from "@hrvend/schemas";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { checkVisibleText, pngSize, renderInChromium } from "../support/i18n-text";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { runSimulator } from "../support/simulator";

/**
 * Issue #19: the funder report in English, Romanian, Russian and Ukrainian, from a simulated
 * first quarter of the `small` scenario in a real PostgreSQL, read as the funder role by
 * `hrvend report coverage --lang`, laid out by Chromium: every word translated, every figure
 * (hidden or shown) the one the funder views hold, numbers as the language writes them.
 */
const iso = isolate("reporti18n");
const dir = mkdtempSync(join(tmpdir(), "hrvend-report-i18n-"));
let tdb: TestDatabase;
let funderUrl: string;
let figures: FunderFigure[];

beforeAll(async () => {
  tdb = await testDatabase(iso);
  funderUrl = tdb.roleUrl("hrvend_funder");
  const out = join(dir, "events.jsonl");
  const sim = runSimulator(
    [
      ...["--scenario", "small", "--days", "91", "--seed", "report-i18n", "--out", out],
      ...["--start", "2026-01-01T00:00:00+02:00"],
    ],
    { HRVEND_DEPLOYMENT_SECRET: newSecret() },
  );
  expect(await sim.exited, sim.output()).toBe(0);
  const events = readFileSync(out, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => parseEvent(JSON.parse(l)));
  for (let i = 0; i < events.length; i += 5000) await applyBatch(tdb.db, events.slice(i, i + 5000), null);
  const est = await hrvend([
    ...["coverage", "estimates", "--from-scenario", "small", "--effective-from", "2026-01-01"],
    ...["--database-url", tdb.roleUrl("hrvend_writer")],
  ]);
  expect(est.code, est.stderr).toBe(0);
  await publishIfBehind(tdb.db);
  const funder = createDb(funderUrl, { max: 1 });
  try {
    figures = (await readFunderData(funder, { from: "2026-01-01", to: "2026-03-31", grain: "quarter" }))
      .figures;
  } finally {
    await funder.destroy();
  }
}, 240_000);

afterAll(async () => {
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The table's columns after the prison, as the report orders them (docs/domain.md's figures). */
const COLUMNS: [keyof FunderFigure, digits: number, band?: keyof FunderFigure][] = [
  ["avgPopulation", 0],
  ["estPwid", 0],
  ["nspClients", 0],
  ["nspRegular", 0],
  ["nspReachPct", 1],
  ["regularPct", 1],
  ["syringes", 0],
  ["syringesPerPwidYear", 0, "syringeBand"],
  ["naloxoneKits", 0],
  ["naloxonePer100Prisoners", 1],
  ["naloxonePer100Releases", 1],
  ["estOpioidDependent", 0],
  ["oatActiveEnd", 0],
  ["oatReachPct", 1, "oatBand"],
];

/** What a cell must read: the hidden symbol, the undefined mark, or the value as Intl writes it in the language. */
function expectedCell(f: FunderFigure, [k, digits, band]: (typeof COLUMNS)[number], lang: Lang): string {
  if ((f.suppressed as string[]).includes(k as string)) return HIDDEN;
  const v = f[k] as number | null;
  if (v === null) return UNDEFINED;
  const n = new Intl.NumberFormat(INTL_LOCALE[lang], {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(v);
  if (!band) return n;
  const bands = (catalogues()[lang].report as { band: Record<string, string> }).band;
  return `${n} · ${bands[String(f[band])]}`;
}

describe("hrvend report coverage --lang: the funder report in four languages", () => {
  it("every language renders completely in Chromium: each figure as the funder views hold it, nothing left in English, no missing key", {
    timeout: 240_000,
  }, async () => {
    expect(chromiumAvailable(), "Debian's chromium is provisioned").toBe(true);
    expect(figures.length, "two prisons and the programme total").toBe(3);
    expect(
      figures.some((f) => f.suppressed.length > 0),
      "a quarter of two small prisons hides something",
    ).toBe(true);
    const texts = new Map<Lang, string>();
    for (const lang of LANGS) {
      const file = join(dir, `q1-${lang}.html`);
      const r = await hrvend([
        ...["report", "coverage", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "html"],
        ...["--lang", lang, "--out", file, "--database-url", funderUrl],
      ]);
      expect(r.code, r.stderr).toBe(0);
      const html = readFileSync(file, "utf8");
      const seen = await withBrowser(async (browser) => {
        const shot = await renderInChromium(browser, html, 1200, join(tmpdir(), `hrvend-report-${lang}.png`));
        const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
        await page.setContent(html, { waitUntil: "load" });
        const rows: string[][] = [];
        for (const tr of await page.locator("table.coverage tbody tr").all())
          rows.push(await tr.locator("td").allInnerTexts());
        await page.close();
        return { ...shot, rows };
      });
      expect(seen.lang).toBe(lang);
      const png = pngSize(seen.png);
      expect(png.width).toBe(1200);
      expect(png.height).toBeGreaterThan(1200); // table, three charts, legend, definitions
      // Each figure, cell by cell, as the funder views hold it.
      expect(seen.rows).toHaveLength(figures.length);
      for (const [i, f] of figures.entries())
        expect(seen.rows[i], `${lang} ${f.prisonId}`).toEqual(COLUMNS.map((c) => expectedCell(f, c, lang)));
      const data = [
        ...figures.flatMap((f) => [f.prisonId, f.prisonName ?? "", f.estimateSource ?? ""]),
        "hrvend",
        "sdcTable",
        "ARGUS",
        HIDDEN,
        "UTC",
      ];
      const problems = checkVisibleText(seen.text, lang, "report", data);
      expect(problems, lang).toEqual({ unexplained: [], english: [], rawKeys: [] });
      texts.set(lang, seen.text);
    }
    // The translations are not English in disguise: each differs from English in most of its words.
    const en = new Set(texts.get("en")!.split(/\s+/));
    for (const lang of ["ro", "ru", "uk"] as const) {
      const w = texts
        .get(lang)!
        .split(/\s+/)
        .filter((x) => /\p{L}{4,}/u.test(x));
      expect(w.filter((x) => en.has(x)).length / w.length, lang).toBeLessThan(0.2);
    }
  });

  it("the PDF is A4 landscape in Ukrainian, and an unknown language is refused by name", {
    timeout: 120_000,
  }, async () => {
    const file = join(dir, "q1-uk.pdf");
    const r = await hrvend([
      ...["report", "coverage", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "pdf"],
      ...["--lang", "uk", "--out", file, "--database-url", funderUrl],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`записано до ${file}`);
    const pdf = await PDFDocument.load(readFileSync(file));
    for (const p of pdf.getPages()) {
      const { width, height } = p.getMediaBox();
      expect(Math.abs(width - (297 * 72) / 25.4)).toBeLessThan(1);
      expect(Math.abs(height - (210 * 72) / 25.4)).toBeLessThan(1);
    }
    const bad = await hrvend([
      ...["report", "coverage", "--from", "2026-01-01", "--to", "2026-03-31", "--lang", "fr"],
      ...["--database-url", funderUrl],
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--lang 'fr' is not a language hrvend speaks; use one of en, ro, ru, uk");
  });
});
