import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import i18next, { type i18n, type Resource, type TFunction } from "i18next";

export type { TFunction };

/**
 * Languages of what people read (issue #19): English, Romanian, Russian, Ukrainian. The
 * catalogues are i18next JSON (v4, plurals as key_one/_few/_many/_other) in `locales/<lang>/<ns>.json`,
 * one namespace per surface, so a translator edits JSON files only. Kept in infra because the
 * funder report (coverage), the dashboards and the CLI all render text and all depend on infra;
 * none of them may depend on another.
 */
export const LANGS = ["en", "ro", "ru", "uk"] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = "en";

/** Namespaces: one per surface. */
export const NAMESPACES = ["cli", "report", "visitSheet", "dashboards"] as const;
export type Namespace = (typeof NAMESPACES)[number];

/** The Intl locale behind each language: Moldova's Romanian, British English (24-hour time, day first). */
export const INTL_LOCALE: Record<Lang, string> = { en: "en-GB", ro: "ro-MD", ru: "ru", uk: "uk" };

export class UnknownLanguageError extends Error {
  override readonly name = "UnknownLanguageError";
  constructor(
    readonly value: string,
    readonly source: string,
  ) {
    super(`${source} '${value}' is not a language hrvend speaks; use one of ${LANGS.join(", ")}`);
  }
}

/** A language code from a flag or HRVEND_LANG; `ro-MD`, `RU`, `uk_UA.UTF-8` count as their language. */
export function parseLang(value: string, source = "language"): Lang {
  const base = value.trim().toLowerCase().split(/[-_.]/)[0] ?? "";
  if ((LANGS as readonly string[]).includes(base)) return base as Lang;
  throw new UnknownLanguageError(value, source);
}

export const LOCALES_DIR = join(import.meta.dirname, "locales");

/** Every catalogue as stored: catalogues()[lang][ns] is the parsed JSON. */
export function catalogues(dir = LOCALES_DIR): Record<Lang, Record<Namespace, Record<string, unknown>>> {
  const out = {} as Record<Lang, Record<Namespace, Record<string, unknown>>>;
  for (const lang of LANGS) {
    const files = new Set(readdirSync(join(dir, lang)));
    out[lang] = {} as Record<Namespace, Record<string, unknown>>;
    for (const ns of NAMESPACES)
      out[lang][ns] = files.has(`${ns}.json`)
        ? (JSON.parse(readFileSync(join(dir, lang, `${ns}.json`), "utf8")) as Record<string, unknown>)
        : {};
  }
  return out;
}

let shared: i18n | undefined;

/** One i18next instance for the process, with every catalogue loaded synchronously. */
function instance(): i18n {
  if (shared) return shared;
  const inst = i18next.createInstance();
  void inst.init({
    resources: catalogues() as unknown as Resource,
    supportedLngs: [...LANGS],
    ns: [...NAMESPACES],
    defaultNS: "cli",
    // English stands in for a key a translation lacks; tests/i18n fail on any such gap.
    fallbackLng: DEFAULT_LANG,
    initAsync: false,
    returnNull: false,
    // Renderers escape HTML themselves (values and catalogue text alike).
    interpolation: { escapeValue: false },
  });
  shared = inst;
  return inst;
}

/** A translate function for one language and namespace: t("key", { count, name }). */
export function translator(lang: Lang, ns: Namespace): TFunction {
  return instance().getFixedT(lang, ns);
}

/** Numbers, dates and month names per language, through Intl. */
export interface Formats {
  lang: Lang;
  locale: string;
  number(v: number, digits?: number): string;
  /** A local date YYYY-MM-DD as people write it (e.g. 3 December 2026, 3 декабря 2026 г.). */
  date(isoDate: string): string;
  /** A local date YYYY-MM-DD in short numeric form (03.12.2026, 03/12/2026). */
  shortDate(isoDate: string): string;
  /** The month and year of a local date: "January 2026", "январь 2026 г.". */
  monthYear(isoDate: string): string;
  /** An instant in a time zone: date and 24-hour time. */
  dateTime(epochMs: number, timeZone: string): string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Formats for a language; a date that is not YYYY-MM-DD is shown as given. */
export function formats(lang: Lang): Formats {
  const locale = INTL_LOCALE[lang];
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const utc = (isoDate: string) => new Date(`${isoDate}T12:00:00Z`);
  const longDate = new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" });
  const shortDate = new Intl.DateTimeFormat(locale, { dateStyle: "short", timeZone: "UTC" });
  const monthYear = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
  return {
    lang,
    locale,
    number(v, digits = 0) {
      let f = numberFormats.get(digits);
      if (!f) {
        f = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
        numberFormats.set(digits, f);
      }
      return f.format(v);
    },
    date: (d) => (ISO_DATE.test(d) ? longDate.format(utc(d)) : d),
    shortDate: (d) => (ISO_DATE.test(d) ? shortDate.format(utc(d)) : d),
    monthYear: (d) => (ISO_DATE.test(d) ? monthYear.format(utc(d)) : d),
    dateTime: (t, timeZone) =>
      new Intl.DateTimeFormat(locale, {
        dateStyle: "long",
        timeStyle: "short",
        hourCycle: "h23",
        timeZone,
      }).format(new Date(t)),
  };
}
