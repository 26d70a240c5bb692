import { catalogues } from "@hrvend/runtime/i18n";
import { describe, expect, it } from "vitest";
import { toGrafana } from "./grafana";
import {
  dashboardTexts,
  englishCatalogue,
  localizeDashboard,
  localizedDrift,
  localizedFiles,
  TRANSLATED_LANGS,
} from "./i18n";
import { DASHBOARDS } from "./index";
import { panelsOf } from "./model";

describe("dashboards in every language", () => {
  it("the English catalogue holds exactly the dashboards' texts and the generated sets are current (npm run gen)", () => {
    expect(localizedDrift()).toEqual([]);
    expect(localizedFiles().size).toBe(TRANSLATED_LANGS.length * DASHBOARDS.length);
  });

  it("each language's set has the same dashboards, panels, queries and access, with every text translated", () => {
    for (const lang of TRANSLATED_LANGS)
      for (const d of DASHBOARDS) {
        const l = localizeDashboard(d, lang);
        expect(l.uid).toBe(`${d.uid}-${lang}`);
        expect(l.access).toBe(d.access);
        expect(panelsOf(l).map((p) => p.query.sql)).toEqual(panelsOf(d).map((p) => p.query.sql));
        expect(panelsOf(l).map((p) => p.kind)).toEqual(panelsOf(d).map((p) => p.kind));
        const en = dashboardTexts(d);
        const tr = dashboardTexts(l);
        expect(tr).toHaveLength(en.length);
        // No English text left: each differs from its English key, which i18next would fall back to.
        const same = en.filter((s, i) => tr[i] === s);
        expect(same, `${lang} ${d.uid}`).toEqual([]);
        // The Grafana JSON carries them: the title, every panel's title and description.
        const json = toGrafana(l) as { title: string; panels: { title: string; description?: string }[] };
        expect(json.title).toBe(l.title);
        for (const p of panelsOf(l)) expect(json.panels.some((x) => x.title === p.title)).toBe(true);
      }
  });

  it("a new English text is missing from every translation until a translator adds it", () => {
    const planted = {
      ...DASHBOARDS[0]!,
      rows: [
        ...DASHBOARDS[0]!.rows,
        {
          title: "A brand-new row",
          panels: [{ ...DASHBOARDS[0]!.rows[0]!.panels[0]!, title: "A new panel" }],
        },
      ],
    };
    const en = Object.keys(englishCatalogue([planted, ...DASHBOARDS.slice(1)]));
    for (const lang of TRANSLATED_LANGS) {
      const keys = new Set(Object.keys(catalogues()[lang].dashboards));
      expect(en.filter((k) => !keys.has(k))).toEqual(["A brand-new row", "A new panel"]);
      // Untranslated, the layer shows the English text: the check above is what catches it.
      expect(localizeDashboard(planted, lang).rows.at(-1)?.title).toBe("A brand-new row");
    }
  });
});
