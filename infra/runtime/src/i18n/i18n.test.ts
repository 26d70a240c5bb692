import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  catalogues,
  formats,
  INTL_LOCALE,
  LANGS,
  type Lang,
  NAMESPACES,
  parseLang,
  translator,
  UnknownLanguageError,
} from "./index";

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** Leaf keys of a catalogue, "a.b.c" → string value. */
function leaves(obj: Record<string, unknown>, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else if (v && typeof v === "object")
      for (const [kk, vv] of leaves(v as Record<string, unknown>, key)) out.set(kk, vv);
    else throw new Error(`${key}: not a string or an object`);
  }
  return out;
}

/** Keys without plural suffixes, each with the plural forms it has (empty when not plural). */
function shape(obj: Record<string, unknown>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const key of leaves(obj).keys()) {
    const m = PLURAL_SUFFIX.exec(key);
    const base = m ? key.slice(0, -m[0].length) : key;
    const forms = out.get(base) ?? new Set<string>();
    if (m?.[1]) forms.add(m[1]);
    out.set(base, forms);
  }
  return out;
}

const placeholders = (s: string) => new Set([...s.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]));

/** Checks one language's catalogues against English; returns every problem found. */
function problems(
  all: Record<string, Record<string, Record<string, unknown>>>,
  lang: string,
  pluralCategories: readonly string[],
): string[] {
  const found: string[] = [];
  for (const ns of NAMESPACES) {
    const en = shape(all["en"]?.[ns] ?? {});
    const tr = shape(all[lang]?.[ns] ?? {});
    for (const key of en.keys()) if (!tr.has(key)) found.push(`${lang}/${ns}: missing ${key}`);
    for (const key of tr.keys()) if (!en.has(key)) found.push(`${lang}/${ns}: extra ${key} (not in English)`);
    for (const [key, forms] of tr) {
      if ((en.get(key)?.size ?? 0) === 0) {
        if (forms.size > 0) found.push(`${lang}/${ns}: ${key} has plural forms, English has none`);
        continue;
      }
      const want = [...pluralCategories].sort().join(",");
      if ([...forms].sort().join(",") !== want)
        found.push(`${lang}/${ns}: ${key} has forms ${[...forms].sort().join(",")}, ${lang} needs ${want}`);
    }
    const enLeaves = leaves(all["en"]?.[ns] ?? {});
    for (const [key, value] of leaves(all[lang]?.[ns] ?? {})) {
      const base = key.replace(PLURAL_SUFFIX, "");
      const english = enLeaves.get(key) ?? enLeaves.get(`${base}_other`) ?? enLeaves.get(base);
      if (english === undefined) continue;
      const a = [...placeholders(english)].sort().join(",");
      const b = [...placeholders(value)].sort().join(",");
      if (a !== b) found.push(`${lang}/${ns}: ${key} uses {{${b}}}, English {{${a}}}`);
      if (value.trim() === "") found.push(`${lang}/${ns}: ${key} is empty`);
    }
  }
  return found;
}

const categories = (lang: Lang) => new Intl.PluralRules(INTL_LOCALE[lang]).resolvedOptions().pluralCategories;

describe("message catalogues", () => {
  const all = catalogues();

  it("every language has exactly the English keys, the plural forms its language needs and the same placeholders", () => {
    expect(Object.keys(all).sort()).toEqual([...LANGS].sort());
    for (const ns of ["cli", "report", "visitSheet"] as const)
      expect(leaves(all.en[ns]).size, `English ${ns} catalogue`).toBeGreaterThan(10);
    for (const lang of LANGS) expect(problems(all, lang, categories(lang)), lang).toEqual([]);
  });

  it("the check fails on a missing key, an extra key, a missing plural form and a lost placeholder", () => {
    const dir = mkdtempSync(join(tmpdir(), "hrvend-i18n-"));
    for (const lang of LANGS) mkdirSync(join(dir, lang));
    const write = (lang: string, ns: string, v: unknown) =>
      writeFileSync(join(dir, lang, `${ns}.json`), JSON.stringify(v));
    write("en", "cli", {
      a: "A {{x}}",
      b: { c: "C" },
      n_one: "{{count}} thing",
      n_other: "{{count}} things",
    });
    write("ro", "cli", {
      a: "A {{x}}",
      b: { c: "C" },
      n_one: "{{count}} lucru",
      n_few: "{{count}} lucruri",
      n_other: "{{count}} de lucruri",
    });
    write("ru", "cli", { a: "A", b: {}, d: "D", n_one: "1", n_other: "2" });
    write("uk", "cli", {});
    const broken = catalogues(dir);
    expect(problems(broken, "ro", categories("ro"))).toEqual([]);
    const ru = problems(broken, "ru", categories("ru"));
    expect(ru).toContain("ru/cli: missing b.c");
    expect(ru).toContain("ru/cli: extra d (not in English)");
    expect(ru).toContain("ru/cli: n has forms one,other, ru needs few,many,one,other");
    expect(ru).toContain("ru/cli: a uses {{}}, English {{x}}");
    expect(problems(broken, "uk", categories("uk"))).toHaveLength(3);
  });

  it("plural forms follow each language's rules (Russian 1, 3, 5, 21, 22, 25, 11)", () => {
    const t = translator("ru", "visitSheet");
    const line = (n: number) => t("summary", { count: n, units: "0" });
    expect(line(1)).toMatch(/^1 автомат,/);
    expect(line(3)).toMatch(/^3 автомата,/);
    expect(line(5)).toMatch(/^5 автоматов,/);
    expect(line(21)).toMatch(/^21 автомат,/);
    expect(line(22)).toMatch(/^22 автомата,/);
    expect(line(25)).toMatch(/^25 автоматов,/);
    expect(line(11)).toMatch(/^11 автоматов,/);
    expect(translator("en", "visitSheet")("summary", { count: 1, units: "3" })).toBe(
      "1 machine, 3 units to load.",
    );
    expect(translator("uk", "visitSheet")("summary", { count: 2, units: "3" })).toMatch(/^2 автомати,/);
  });
});

describe("languages", () => {
  it("parses flags and locale-style values, and names the accepted ones otherwise", () => {
    expect(parseLang("ro")).toBe("ro");
    expect(parseLang("ro-MD")).toBe("ro");
    expect(parseLang("uk_UA.UTF-8")).toBe("uk");
    expect(parseLang(" RU ")).toBe("ru");
    expect(() => parseLang("de", "--lang")).toThrow(UnknownLanguageError);
    expect(() => parseLang("de", "--lang")).toThrow(
      "--lang 'de' is not a language hrvend speaks; use one of en, ro, ru, uk",
    );
    expect(() => parseLang("", "HRVEND_LANG")).toThrow(UnknownLanguageError);
  });

  it("formats numbers, dates and month names per language", () => {
    // Decimal and group separators as each language writes them.
    expect(formats("en").number(12345.67, 1)).toBe("12,345.7");
    expect(formats("ro").number(12345.67, 1)).toBe("12.345,7");
    expect(formats("ru").number(12345.67, 1).replace(/\s/g, " ")).toBe("12 345,7");
    expect(formats("uk").number(12345.67, 1).replace(/\s/g, " ")).toBe("12 345,7");
    // March: genitive in a date, nominative with month and year.
    expect(formats("en").date("2026-03-05")).toBe("5 March 2026");
    expect(formats("ro").date("2026-03-05")).toBe("5 martie 2026");
    expect(formats("ru").date("2026-03-05")).toMatch(/^5 марта 2026/);
    expect(formats("uk").date("2026-03-05")).toMatch(/^5 березня 2026/);
    expect(formats("ru").monthYear("2026-03-05")).toMatch(/^март 2026/);
    expect(formats("uk").monthYear("2026-03-05")).toMatch(/^березень 2026/);
    expect(formats("ro").monthYear("2026-03-05")).toMatch(/^martie 2026/);
    // An instant in the prison's zone, 24-hour clock: 06:30 UTC is 08:30 in Chișinău in winter.
    expect(formats("ro").dateTime(Date.parse("2026-01-15T06:30:00Z"), "Europe/Chisinau")).toMatch(
      /15 ianuarie 2026.*08:30/,
    );
    expect(formats("en").date("not a date")).toBe("not a date");
  });
});
