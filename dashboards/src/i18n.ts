import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LANGS, type Lang, LOCALES_DIR, translator } from "@hrvend/runtime/i18n";
import { toGrafana } from "./grafana";
import { DASHBOARDS } from "./index";
import type { DashboardSpec } from "./model";

/**
 * Dashboard titles and descriptions in every language (issue #19). The dashboards' English
 * texts are the catalogue's keys (gettext style: `infra/runtime/src/i18n/locales/<lang>/dashboards.json`),
 * so a changed English text is a new key that every translation must supply, and a test names it.
 * `npm run gen` writes the English catalogue from the specs and one generated set per language.
 */

/** Every text a person reads on a dashboard: title, audience, description, rows, variables, panels. */
export function dashboardTexts(d: DashboardSpec): string[] {
  return [
    d.title,
    d.description,
    d.audience,
    ...d.rows.map((r) => r.title),
    ...d.variables.map((v) => v.label),
    ...d.rows.flatMap((r) => r.panels.flatMap((p) => [p.title, p.description])),
  ].filter((s) => s !== "");
}

/** The English catalogue: each text its own key, in the dashboards' order. */
export function englishCatalogue(dashboards: readonly DashboardSpec[] = DASHBOARDS): Record<string, string> {
  return Object.fromEntries(dashboards.flatMap(dashboardTexts).map((s) => [s, s]));
}

/** Languages that get a generated set of their own (English is `generated/` itself). */
export const TRANSLATED_LANGS = LANGS.filter((l) => l !== "en");

/**
 * A dashboard in a language: the same panels, queries and access; titles, descriptions, row
 * titles and variable labels translated. Its uid gets the language (`hrvend-coverage-ro`), so a
 * Grafana that provisions two languages into one organization keeps both.
 */
export function localizeDashboard(d: DashboardSpec, lang: Lang): DashboardSpec {
  if (lang === "en") return d;
  const t = translator(lang, "dashboards");
  // Keys are English sentences: no key or namespace separators.
  const tr = (s: string) => (s === "" ? s : t(s, { keySeparator: false, nsSeparator: false }));
  return {
    ...d,
    uid: `${d.uid}-${lang}`,
    title: tr(d.title),
    description: tr(d.description),
    audience: tr(d.audience),
    tags: [...d.tags, `lang-${lang}`],
    variables: d.variables.map((v) => ({ ...v, label: tr(v.label) })),
    rows: d.rows.map((r) => ({
      ...r,
      title: tr(r.title),
      panels: r.panels.map((p) => ({ ...p, title: tr(p.title), description: tr(p.description) })),
    })),
  };
}

/** Per-language sets: `generated/i18n/<lang>/<audience>/<uid>.json` (point HRVEND_DASHBOARDS_DIR at `generated/i18n/<lang>`). */
export const LOCALIZED_DIR = fileURLToPath(new URL("../generated/i18n/", import.meta.url));
const ENGLISH_CATALOGUE = join(LOCALES_DIR, "en", "dashboards.json");

/** `<lang>/<audience>/<uid>.json` → JSON text, and the English catalogue → its JSON text. */
export function localizedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const lang of TRANSLATED_LANGS)
    for (const d of DASHBOARDS.map((x) => localizeDashboard(x, lang)))
      out.set(`${lang}/${d.access}/${d.uid}.json`, `${JSON.stringify(toGrafana(d), null, 2)}\n`);
  return out;
}

const catalogueText = () => `${JSON.stringify(englishCatalogue(), null, 2)}\n`;

/** What differs from the code: the English catalogue and each generated language set. */
export function localizedDrift(dir = LOCALIZED_DIR): string[] {
  const out: string[] = [];
  if (!existsSync(ENGLISH_CATALOGUE) || readFileSync(ENGLISH_CATALOGUE, "utf8") !== catalogueText())
    out.push("infra/runtime/src/i18n/locales/en/dashboards.json: differs from the dashboards' English texts");
  for (const [name, text] of localizedFiles()) {
    const path = join(dir, name);
    if (!existsSync(path)) out.push(`i18n/${name}: missing`);
    else if (readFileSync(path, "utf8") !== text) out.push(`i18n/${name}: differs`);
  }
  return out;
}

export function writeLocalized(dir = LOCALIZED_DIR): string[] {
  writeFileSync(ENGLISH_CATALOGUE, catalogueText());
  rmSync(dir, { recursive: true, force: true });
  const files = localizedFiles();
  for (const [name, text] of files) {
    mkdirSync(join(dir, name.split("/").slice(0, -1).join("/")), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return [...files.keys()];
}
