import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumAvailable, withBrowser } from "@hrvend/cli/render";
import { DASHBOARDS } from "@hrvend/dashboards";
import { localizeDashboard } from "@hrvend/dashboards/i18n";
import { type RenderedDashboard, renderHtml } from "@hrvend/dashboards/preview";
import { LANGS } from "@hrvend/runtime/i18n";
import { describe, expect, it } from "vitest";
import { checkVisibleText, pngSize, renderInChromium } from "../support/i18n-text";

/**
 * Issue #19: one generated set of dashboards per language. The preview draws each language's
 * dashboards (titles, rows, panel titles and descriptions) in Chromium; the text it lays out
 * must be wholly that language's. The panels' data and the preview's own frame are not
 * translated (the data is the database's; the frame is a developer's tool), so only the
 * dashboards' texts are read back.
 */
describe("dashboard titles and descriptions in Chromium", () => {
  it("every language: each title, row, panel title and description reads in that language, nothing in English, no raw key", {
    timeout: 120_000,
  }, async () => {
    expect(chromiumAvailable(), "Debian's chromium is provisioned").toBe(true);
    const range = { from: new Date("2026-03-01T00:00:00Z"), to: new Date("2026-04-01T00:00:00Z") };
    await withBrowser(async (browser) => {
      for (const lang of LANGS) {
        const rendered: RenderedDashboard[] = DASHBOARDS.map((d) => localizeDashboard(d, lang)).map(
          (spec) => ({
            spec,
            range,
            variables: {},
            panels: spec.rows.map((r) => r.panels.map((panel) => ({ panel }))),
          }),
        );
        const html = renderHtml(rendered, range.to);
        await renderInChromium(browser, html, 1400, join(tmpdir(), `hrvend-dashboards-${lang}.png`)).then(
          (s) => expect(pngSize(s.png).height).toBeGreaterThan(1000),
        );
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.setContent(html, { waitUntil: "load" });
        const titles = [
          ...(await page.locator("article h2").allInnerTexts()),
          ...(await page.locator("article h4").allTextContents()),
          ...(await page.locator(".panel h3").allInnerTexts()),
        ];
        const descriptions: string[] = [];
        for (const h of await page.locator(".panel h3").all())
          descriptions.push((await h.getAttribute("title")) ?? "");
        const meta = await page.locator("article p.meta").allInnerTexts();
        await page.close();
        const panels = rendered.flatMap((d) => d.spec.rows.flatMap((r) => r.panels));
        expect(titles).toHaveLength(
          DASHBOARDS.length + rendered.flatMap((d) => d.spec.rows).length + panels.length,
        );
        expect(descriptions).toEqual(panels.map((p) => p.description));
        // The audience and description line, without the frame's "For:" and time range.
        const about = meta.map((m) => m.split("\n")[0]!.replace(/^For: /, ""));
        const text = [...titles, ...descriptions, ...about].join("\n");
        const data = ["hrvend", "Min", "Max", "JSON", "SMART", "HIV", "IND", "UNAIDS", "UNODC", "c"];
        // Names a person types or reads in the database (commands, consumers, reasons) stay as they are.
        const code = ["parked", "retry", "list", "show", "id", "recorder", "stock", "reorder", "coverage"];
        const codeWords = ["dead_letter", "bound", "overflow", "GAP_BOUND_SECONDS", "max-min"];
        const problems = checkVisibleText(text, lang, "dashboards", [...data, ...code, ...codeWords]);
        expect(problems, lang).toEqual({ unexplained: [], english: [], rawKeys: [] });
        if (lang !== "en") expect(titles.filter((t) => DASHBOARDS.some((d) => d.title === t))).toEqual([]);
      }
    });
  });
});
