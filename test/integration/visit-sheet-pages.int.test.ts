import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumAvailable, printPdf, withBrowser } from "@hrvend/cli/render";
import type { PlannedMachine, RestockPlan } from "@hrvend/reorder";
import { LANGS } from "@hrvend/runtime/i18n";
import { PDFDocument } from "pdf-lib";
import { afterAll, describe, expect, it } from "vitest";
import { renderVisitSheet } from "../../services/cli/src/visit-sheet/render";

/**
 * The visit sheet of a large prison: more machines than one A4 page holds, and reference data
 * (locations, prison name, lot ids) that tries to inject markup. Chromium lays it out and prints it.
 */
const dir = mkdtempSync(join(tmpdir(), "hrvend-visit-pages-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = `<img src=x onerror="document.title='pwned'">Block "A" & <b>C</b>`;
const DAY = 86_400_000;
const T0 = Date.parse("2026-05-04T07:00:00Z");

function machine(i: number): PlannedMachine {
  const slots = [0, 1, 2].map((j) => ({
    slotId: `s${j + 1}`,
    itemId: j === 2 ? "naloxone-nasal" : "syringe-kit",
    capacity: 40,
    stockNow: 10 + j,
    averageDaily: 2,
    sigmaDaily: 1,
    daysOfCover: 5,
    projectedStockoutAt: null,
    projectedAtVisit: 4 + j,
    safetyStock: 2,
    min: 8,
    max: 30,
    quantity: 30 + i,
    lotsToSwap:
      j === 2 ? [{ lotId: `NX-${i}<i>`, expiry: "2026-05-10", quantityNow: 3, quantityAtVisit: 2 }] : [],
    swapUnits: j === 2 ? 2 : 0,
    loadUnits: 30 + i + (j === 2 ? 2 : 0),
  }));
  return {
    priority: i + 1,
    machineId: `big-m${String(i + 1).padStart(2, "0")}`,
    location: i === 0 ? HOSTILE : `Block ${i + 1}`,
    projectedStockoutAt: T0 + DAY,
    stockoutItemId: "syringe-kit",
    daysOfCover: 1,
    loadUnits: slots.reduce((n, s) => n + s.loadUnits, 0),
    slots,
  };
}

const machines = Array.from({ length: 14 }, (_, i) => machine(i));
const plan: RestockPlan = {
  prisonId: "big",
  timeZone: "Europe/Kyiv",
  generatedAt: T0 - 2 * DAY,
  visitAt: T0,
  followingVisitAt: T0 + 7 * DAY,
  leadTimeDays: 2,
  reviewIntervalDays: 7,
  z: 1.65,
  fillTo: "capacity",
  machines,
  pickList: [],
};

describe("a visit sheet longer than one page", () => {
  it("prints on several A4 pages in every language, every machine on it, markup in the data shown as text", {
    timeout: 120_000,
  }, async () => {
    expect(chromiumAvailable(), "Debian's chromium is provisioned").toBe(true);
    for (const lang of LANGS) {
      const html = renderVisitSheet({ plan, prisonName: `Prison <script>alert(1)</script>`, lang });
      const file = join(dir, `big-${lang}.pdf`);
      await printPdf(html, file);
      const pdf = await PDFDocument.load(readFileSync(file));
      expect(pdf.getPageCount(), lang).toBeGreaterThanOrEqual(2);
      for (const p of pdf.getPages()) {
        const { width, height } = p.getMediaBox();
        expect(Math.abs(width - (210 * 72) / 25.4)).toBeLessThan(1);
        expect(Math.abs(height - (297 * 72) / 25.4)).toBeLessThan(1);
      }
      const seen = await withBrowser(async (browser) => {
        const page = await browser.newPage();
        await page.setContent(html, { waitUntil: "load" });
        await page.emulateMedia({ media: "print" });
        const injected = await page.locator("img, script, b, i").count();
        const title = await page.title();
        const location = (await page.locator("section.machine .loc").first().textContent()) ?? "";
        const order = await page
          .locator("section.machine")
          .evaluateAll((s) => s.map((x) => x.getAttribute("data-machine")));
        await page.close();
        return { injected, title, location, order };
      });
      expect(seen.injected, "no element from the data").toBe(0);
      expect(seen.title).not.toBe("pwned");
      expect(seen.location).toContain(`<img src=x`);
      expect(seen.order).toEqual(machines.map((m) => m.machineId));
    }
  });
});
