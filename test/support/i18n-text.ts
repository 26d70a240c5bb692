import type { withBrowser } from "@hrvend/cli/render";
import { catalogues, INTL_LOCALE, type Lang, type Namespace } from "@hrvend/runtime/i18n";

type Browser = Parameters<Parameters<typeof withBrowser>[0]>[0];

/** Words of a text: runs of letters (any script), lower-cased; placeholders dropped. */
export function words(text: string): Set<string> {
  return new Set(
    [...text.replace(/\{\{[^}]*\}\}/g, " ").matchAll(/\p{L}+/gu)].map((m) => m[0].toLocaleLowerCase()),
  );
}

function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (v && typeof v === "object") return Object.values(v).flatMap(strings);
  return [];
}

/** Key paths of a catalogue with their English values. */
function keyPaths(v: unknown, prefix = ""): [string, unknown][] {
  if (!v || typeof v !== "object") return [[prefix, v]];
  return Object.entries(v).flatMap(([k, x]) => keyPaths(x, prefix ? `${prefix}.${k}` : k));
}

/** Words Intl writes for dates in a language: month names (both cases), era and year marks. */
function intlWords(lang: Lang): Set<string> {
  const locale = INTL_LOCALE[lang];
  const out = new Set<string>();
  for (let m = 0; m < 12; m++) {
    const d = new Date(Date.UTC(2026, m, 15, 14, 5));
    for (const o of [
      { dateStyle: "long", timeStyle: "short", timeZone: "UTC" },
      { month: "long", year: "numeric", timeZone: "UTC" },
    ] as Intl.DateTimeFormatOptions[])
      for (const w of words(new Intl.DateTimeFormat(locale, o).format(d))) out.add(w);
  }
  return out;
}

export interface TextProblems {
  /** Words in the visible text that neither the language's catalogue, the data nor Intl's dates account for. */
  unexplained: string[];
  /** Of those, words of the English catalogue: English left in a translated output. */
  english: string[];
  /** Catalogue key paths shown as text: a key i18next could not find. */
  rawKeys: string[];
}

/**
 * Checks a rendered text against the catalogues: every word must come from the language's own
 * catalogue (the namespace rendered), the data shown (ids, names, locations), or Intl's date words.
 * A hard-coded English word, a key missing from a translation (i18next falls back to English),
 * or a key missing everywhere (i18next prints the key) all show up here.
 */
export function checkVisibleText(visible: string, lang: Lang, ns: Namespace, data: string[]): TextProblems {
  const all = catalogues();
  const own = words(strings(all[lang][ns]).join(" "));
  const english = words(strings(all.en[ns]).join(" "));
  const explained = new Set([...own, ...words(data.join(" ")), ...intlWords(lang)]);
  const unexplained = [...words(visible)].filter((w) => !explained.has(w)).sort();
  // A key shown as text (i18next prints a key it cannot find); the dashboards' keys are their
  // English texts, which the English check covers.
  const rawKeys = keyPaths(all.en[ns])
    .filter(([k, v]) => k.includes(".") && k !== v && visible.includes(k))
    .map(([k]) => k);
  return { unexplained, english: unexplained.filter((w) => english.has(w)), rawKeys };
}

/** The visible text of an HTML document as Chromium lays it out, with a full-page screenshot. */
export async function renderInChromium(
  browser: Browser,
  html: string,
  width: number,
  pngPath: string,
): Promise<{ text: string; png: Buffer; scrollWidth: number; lang: string }> {
  const page = await browser.newPage({ viewport: { width, height: 600 } });
  try {
    await page.setContent(html, { waitUntil: "load" });
    // Run in the page (strings: this workspace's TypeScript has no DOM types). SVG text is
    // visible too (chart titles, labels).
    const text = (await page.evaluate(
      `[document.title, document.body.innerText, ...[...document.querySelectorAll("svg text")].map((e) => e.textContent)].join("\\n")`,
    )) as string;
    const scrollWidth = (await page.evaluate("document.documentElement.scrollWidth")) as number;
    const lang = (await page.evaluate("document.documentElement.lang")) as string;
    const png = await page.screenshot({ path: pngPath, fullPage: true });
    return { text, png, scrollWidth, lang };
  } finally {
    await page.close();
  }
}

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString("latin1") !== "PNG") throw new Error("not a PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
