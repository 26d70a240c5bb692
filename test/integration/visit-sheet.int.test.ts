import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumAvailable, withBrowser } from "@hrvend/cli/render";
import { loadScenario } from "@hrvend/devices";
import type { RestockPlan } from "@hrvend/reorder";
import { applyBatch, batchChanges, recomputePrison } from "@hrvend/reorder/service";
import { newSecret } from "@hrvend/runtime";
import { LANGS } from "@hrvend/runtime/i18n";
import { LocalCalendar } from "@hrvend/runtime/time";
import { parseEvent } from "@hrvend/schemas";
import { sql } from "kysely";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { checkVisibleText, pngSize, renderInChromium } from "../support/i18n-text";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { runSimulator } from "../support/simulator";

/**
 * Issue #19, "a visit sheet fits A4 in PDF": the printable sheet of `hrvend restock-plan
 * --format html|pdf` against the plan the reorder service stored in a real PostgreSQL, from a
 * simulated week of the `small` scenario applied through the service's own store.
 */
const iso = isolate("visitsheet");
const dir = mkdtempSync(join(tmpdir(), "hrvend-visit-sheet-"));
const { scenario } = loadScenario("small");
let tdb: TestDatabase;
let writerUrl: string;
const plans = new Map<string, RestockPlan>();
const names = new Map<string, string | null>();

// A4 in PostScript points: 210 × 297 mm at 72/25.4 pt per mm.
const A4 = { width: (210 * 72) / 25.4, height: (297 * 72) / 25.4 };
// The printable width inside the sheet's 12 mm margins, in CSS pixels (96 per inch).
const PRINT_WIDTH_PX = Math.floor(((210 - 2 * 12) / 25.4) * 96);

beforeAll(async () => {
  tdb = await testDatabase(iso);
  writerUrl = tdb.roleUrl("hrvend_writer");
  const out = join(dir, "events.jsonl");
  const sim = runSimulator(["--scenario", "small", "--days", "7", "--seed", "visit-sheet", "--out", out], {
    HRVEND_DEPLOYMENT_SECRET: newSecret(),
  });
  expect(await sim.exited, sim.output()).toBe(0);
  const events = readFileSync(out, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => parseEvent(JSON.parse(l)));
  for (let i = 0, seq = 1; i < events.length; i += 2000, seq++)
    await applyBatch(tdb.db, batchChanges(events.slice(i, i + 2000)), {
      consumer: `${iso.tag}-reorder`,
      stream: "S",
      seq,
    });
  for (const p of scenario.prisons) {
    const r = await recomputePrison(tdb.db, p.prisonId, {
      schedule: {
        anchorDate: LocalCalendar.for(p.timeZone).dateOf(Date.parse(scenario.start)),
        firstVisitDay: p.outreach.firstVisitDay,
        intervalDays: p.outreach.intervalDays,
        hour: p.outreach.hour,
        leadTimeDays: p.outreach.leadTimeDays,
      },
      windowDays: 28,
      z: 1.65,
    });
    expect(r.status).toBe("planned");
  }
  // What the command must print: the plans as stored.
  const stored = await sql<{ prison_id: string; plan: RestockPlan; name: string | null }>`
    SELECT rp.prison_id, rp.plan, p.name FROM reorder.restock_plan rp JOIN reorder.prison p USING (prison_id)
    ORDER BY prison_id`.execute(tdb.db);
  for (const r of stored.rows) {
    plans.set(r.prison_id, r.plan);
    names.set(r.prison_id, r.name);
  }
}, 180_000);

afterAll(async () => {
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface SheetDom {
  machines: {
    id: string;
    priority: string;
    slots: { slot: string; cells: string[]; lots: { lot: string; text: string }[]; boxes: number }[];
  }[];
  pick: { item: string; cells: string[]; lots: string[]; boxes: number }[];
  signatureLines: number;
  visit: string;
}

const digits = (s: string) => Number(s.replace(/\D/g, ""));

/** Everything the sheet shows, read back from the page Chromium laid out. */
async function readSheet(html: string, png: string) {
  return withBrowser(async (browser) => {
    const seen = await renderInChromium(browser, html, PRINT_WIDTH_PX, png);
    const page = await browser.newPage({ viewport: { width: PRINT_WIDTH_PX, height: 600 } });
    await page.setContent(html, { waitUntil: "load" });
    // Run in the page (a string: this workspace's TypeScript has no DOM types).
    const dom = (await page.evaluate(`(() => {
      const text = (e) => e.innerText;
      const lots = (tr) => [...tr.querySelectorAll(".lot")];
      return {
        machines: [...document.querySelectorAll("section.machine")].map((m) => ({
          id: m.getAttribute("data-machine"),
          priority: m.getAttribute("data-priority"),
          slots: [...m.querySelectorAll("tbody tr")].map((tr) => ({
            slot: tr.getAttribute("data-slot"),
            cells: [...tr.querySelectorAll("td")].map(text),
            lots: lots(tr).map((l) => ({ lot: l.getAttribute("data-lot"), text: text(l) })),
            boxes: tr.querySelectorAll(".box").length,
          })),
        })),
        pick: [...document.querySelectorAll("table.pick tbody tr")].map((tr) => ({
          item: tr.getAttribute("data-item"),
          cells: [...tr.querySelectorAll("td")].map(text),
          lots: lots(tr).map((l) => l.getAttribute("data-lot")),
          boxes: tr.querySelectorAll(".box").length,
        })),
        signatureLines: document.querySelectorAll(".sigline").length,
        visit: document.querySelector("dd.visit")?.innerText ?? "",
      };
    })()`)) as SheetDom;
    await page.close();
    return { ...seen, ...dom };
  });
}

function expectSheetMatchesPlan(sheet: Awaited<ReturnType<typeof readSheet>>, plan: RestockPlan): void {
  // Machines in the order to serve them, each slot with what to load and the lots to swap.
  expect(sheet.machines.map((m) => m.id)).toEqual(plan.machines.map((m) => m.machineId));
  expect(sheet.machines.map((m) => Number(m.priority))).toEqual(plan.machines.map((_, i) => i + 1));
  for (const [i, m] of plan.machines.entries()) {
    const shown = sheet.machines[i]!;
    expect(shown.slots.map((s) => s.slot)).toEqual(m.slots.map((s) => s.slotId));
    for (const [j, s] of m.slots.entries()) {
      const row = shown.slots[j]!;
      // slot, item, stock now, expected at visit, restock, lots, load, done
      expect(digits(row.cells[2]!)).toBe(s.stockNow);
      expect(digits(row.cells[3]!)).toBe(s.projectedAtVisit);
      expect(digits(row.cells[4]!)).toBe(s.quantity);
      expect(digits(row.cells[6]!)).toBe(s.loadUnits);
      expect(row.lots.map((l) => l.lot)).toEqual(s.lotsToSwap.map((l) => l.lotId));
      for (const [k, l] of s.lotsToSwap.entries()) {
        const text = row.lots[k]!.text;
        expect(text).toContain(l.expiry.slice(0, 4)); // the expiry's year …
        expect(text).toContain(String(Number(l.expiry.slice(8, 10)))); // … and day, the month by name
        expect(text).toContain(String(l.quantityAtVisit));
      }
      expect(row.boxes).toBe(1);
    }
  }
  // The pick list: per item the total to pack and the lots coming back.
  expect(sheet.pick.map((p) => p.item)).toEqual(plan.pickList.map((p) => p.itemId));
  for (const [i, p] of plan.pickList.entries()) {
    const row = sheet.pick[i]!;
    expect(digits(row.cells[0]!)).toBe(p.restockUnits);
    expect(digits(row.cells[1]!)).toBe(p.replacementUnits);
    expect(digits(row.cells[2]!)).toBe(p.totalUnits);
    expect(row.lots).toEqual(p.lotsToReturn.map((l) => l.lotId));
    expect(row.boxes).toBe(1);
  }
  // Two names, two signatures, a date.
  expect(sheet.signatureLines).toBe(5);
}

describe("hrvend restock-plan --format html|pdf: the printable visit sheet", () => {
  it("in every language: machines in order, per slot what to load, lots to swap, pick list, check boxes and signatures as the stored plan has them, nothing left in English", {
    timeout: 180_000,
  }, async () => {
    expect(chromiumAvailable(), "Debian's chromium is provisioned").toBe(true);
    expect([...plans.keys()]).toEqual(scenario.prisons.map((p) => p.prisonId).sort());
    // The week holds naloxone lots expiring before the following visit: the sheet must list them.
    const swaps = [...plans.values()].flatMap((p) =>
      p.machines.flatMap((m) => m.slots.flatMap((s) => s.lotsToSwap)),
    );
    expect(swaps.length, "lots to swap in the simulated week").toBeGreaterThan(0);

    for (const [prison, plan] of plans)
      for (const lang of LANGS) {
        const file = join(dir, `${prison}-${lang}.html`);
        const r = await hrvend([
          ...["restock-plan", "--prison", prison, "--format", "html", "--lang", lang, "--out", file],
          ...["--database-url", writerUrl],
        ]);
        expect(r.code, r.stderr).toBe(0);
        const html = readFileSync(file, "utf8");
        const sheet = await readSheet(html, join(tmpdir(), `hrvend-visit-sheet-${prison}-${lang}.png`));
        expectSheetMatchesPlan(sheet, plan);
        expect(sheet.lang).toBe(lang);
        // Nothing wider than A4's printable width, in any language; the screenshot shows it all.
        expect(sheet.scrollWidth).toBeLessThanOrEqual(PRINT_WIDTH_PX);
        const png = pngSize(sheet.png);
        expect(png.width).toBe(PRINT_WIDTH_PX);
        expect(png.height).toBeGreaterThan(400);
        // Every word from the language's catalogue, the plan's own data, or Intl's dates.
        const data = [
          prison,
          names.get(prison) ?? "",
          plan.timeZone,
          ...plan.machines.flatMap((m) => [m.machineId, m.location ?? "", ...m.slots.map((s) => s.slotId)]),
          ...swaps.map((l) => l.lotId),
          ...plan.pickList.flatMap((p) => p.lotsToReturn.map((l) => l.lotId)),
          "hrvend",
        ];
        const problems = checkVisibleText(sheet.text, lang, "visitSheet", data);
        expect(problems, `${prison} ${lang}`).toEqual({ unexplained: [], english: [], rawKeys: [] });
        // The visit's day and year as the plan has them, in the prison's local calendar.
        const visitDay = LocalCalendar.for(plan.timeZone).dateOf(plan.visitAt);
        expect(sheet.visit).toContain(visitDay.slice(0, 4));
        expect(sheet.visit).toContain(String(Number(visitDay.slice(8, 10))));
      }
  });

  it("prints A4 pages (MediaBox 595 × 842 pt) in every language, one page or more per visit", {
    timeout: 180_000,
  }, async () => {
    const prison = [...plans.keys()][0]!;
    for (const lang of LANGS) {
      const file = join(dir, `${prison}-${lang}.pdf`);
      const r = await hrvend([
        ...["restock-plan", "--prison", prison, "--format", "pdf", "--lang", lang, "--out", file],
        ...["--database-url", writerUrl],
      ]);
      expect(r.code, r.stderr).toBe(0);
      const pdf = await PDFDocument.load(readFileSync(file));
      const pages = pdf.getPages();
      expect(pages.length).toBeGreaterThanOrEqual(1);
      for (const p of pages) {
        const box = p.getMediaBox();
        expect(Math.abs(box.width - A4.width), `${lang} page width ${box.width}`).toBeLessThan(1);
        expect(Math.abs(box.height - A4.height), `${lang} page height ${box.height}`).toBeLessThan(1);
      }
    }
    // A later visit (--visit) is its own sheet, planned from the same stock and demand.
    const plan = plans.get(prison)!;
    const later = LocalCalendar.for(plan.timeZone).dateOf(plan.followingVisitAt);
    const file = join(dir, "later.html");
    const r = await hrvend([
      ...["restock-plan", "--prison", prison, "--visit", later, "--format", "html", "--lang", "ro"],
      ...["--out", file, "--database-url", writerUrl],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = await hrvend([
      ...["restock-plan", "--prison", prison, "--visit", later, "--format", "json"],
      ...["--database-url", writerUrl],
    ]);
    const laterPlan = JSON.parse(json.stdout) as { machines: { machineId: string }[] };
    const sheet = await readSheet(readFileSync(file, "utf8"), join(dir, "later.png"));
    expect(sheet.machines.map((m) => m.id)).toEqual(laterPlan.machines.map((m) => m.machineId));
    expect(sheet.visit).toContain(String(Number(later.slice(8, 10))));
  });

  it("refuses bad input with a clear message in the user's language, and no stack trace", async () => {
    const prison = [...plans.keys()][0]!;
    const base = ["restock-plan", "--prison", prison, "--database-url", writerUrl];
    const de = await hrvend([...base, "--format", "html", "--lang", "de"]);
    expect(de.code).toBe(1);
    expect(de.stderr).toContain("--lang 'de' is not a language hrvend speaks; use one of en, ro, ru, uk");
    const noOut = await hrvend([...base, "--format", "pdf"], { HRVEND_LANG: "ru" });
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain("для --format pdf нужен --out <файл.pdf>");
    const unknown = await hrvend([
      "restock-plan",
      "--prison",
      "nowhere",
      "--format",
      "html",
      "--lang",
      "uk",
      "--database-url",
      writerUrl,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      `невідома установа 'nowhere'; відомі установи: ${[...plans.keys()].join(", ")}`,
    );
    const badDate = await hrvend([...base, "--visit", "5 March", "--lang", "ro"]);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain("--visit '5 March' nu este o dată AAAA-LL-ZZ");
    const badEnv = await hrvend([...base, "--format", "html"], { HRVEND_LANG: "klingon" });
    expect(badEnv.code).not.toBe(0);
    expect(badEnv.stderr).toContain("HRVEND_LANG");
    for (const r of [de, noOut, unknown, badDate]) expect(r.stderr).not.toMatch(/\n\s+at /);
    // The flag wins over the environment.
    const html = await hrvend([...base, "--format", "html", "--lang", "en"], { HRVEND_LANG: "uk" });
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toContain('<html lang="en">');
  });
});
