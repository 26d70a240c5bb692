import {
  DEFAULT_LANG,
  type Formats,
  formats,
  type Lang,
  type TFunction,
  translator,
} from "@hrvend/runtime/i18n";
import { stringify } from "csv-stringify/sync";
import { OAT_BANDS, SYRINGE_BANDS } from "../domain/bands";
import type { FunderGrain } from "../domain/suppress";
import { HIDDEN, UNDEFINED } from "../domain/suppress";
import type { FunderData, FunderFigure } from "../read";

export interface ReportMeta {
  from: string;
  to: string;
  grain: FunderGrain;
  prisonId?: string | undefined;
  generatedAt: string;
  /** Language of the HTML report (default English); CSV and JSON are for tools and stay English. */
  lang?: Lang | undefined;
}

const DEFINITION_KEYS = [
  "estimates",
  "nspClients",
  "nspReach",
  "regular",
  "syringes",
  "oat",
  "naloxone",
  "observed",
];

/** Definitions as printed in the report (docs/domain.md §Coverage definitions), with their sources, in a language. */
export function definitions(lang: Lang = DEFAULT_LANG): { term: string; text: string }[] {
  const t = translator(lang, "report");
  const values = {
    medium: SYRINGE_BANDS.mediumFrom,
    high: SYRINGE_BANDS.highAbove,
    t2020: SYRINGE_BANDS.targets[2020],
    t2030: SYRINGE_BANDS.targets[2030],
  };
  const oat = {
    moderate: OAT_BANDS.moderateFrom,
    moderateTo: OAT_BANDS.highFrom - 1,
    high: OAT_BANDS.highFrom,
    unaids: OAT_BANDS.unaidsTarget,
  };
  return DEFINITION_KEYS.map((k) => ({
    term: t(`def.${k}.term`),
    text: t(`def.${k}.text`, k === "syringes" ? values : k === "oat" ? oat : {}),
  }));
}

/** The English definitions (the JSON output's). */
export const DEFINITIONS = definitions("en");

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

type Key = keyof FunderFigure;
/** One symbol for every hidden value, small or hidden to protect a small one (they must look alike). */
const isHidden = (f: FunderFigure, k: Key) => (f.suppressed as string[]).includes(k as string);
const mark = () => esc(HIDDEN);

/** What renders text: the language's catalogue and number/date formats. */
interface Ctx {
  t: TFunction;
  f: Formats;
}

function cell({ f: fmt }: Ctx, f: FunderFigure, k: Key, digits = 0, suffix = ""): string {
  if (isHidden(f, k)) return `<td class="sup">${mark()}</td>`;
  const v = f[k];
  if (v === null || v === undefined) return `<td class="na">${UNDEFINED}</td>`;
  if (typeof v === "number") return `<td>${esc(fmt.number(v, digits))}${suffix}</td>`;
  return `<td>${esc(v)}</td>`;
}
function banded({ t, f: fmt }: Ctx, f: FunderFigure, k: Key, band: Key, digits = 0): string {
  if (isHidden(f, k)) return `<td class="sup">${mark()}</td>`;
  const v = f[k] as number | null;
  if (v === null) return `<td class="na">${UNDEFINED}</td>`;
  return `<td><span class="band ${esc(f[band])}">${esc(fmt.number(v, digits))} · ${esc(t(`band.${String(f[band])}`))}</span></td>`;
}

const label = ({ t }: Ctx, f: FunderFigure) =>
  f.prisonId === "*" ? t("programmeTotal") : (f.prisonName ?? f.prisonId);

const TABLE_COLUMNS: Key[] = [
  "avgPopulation",
  "estPwid",
  "nspClients",
  "nspRegular",
  "nspReachPct",
  "regularPct",
  "syringes",
  "syringesPerPwidYear",
  "naloxoneKits",
  "naloxonePer100Prisoners",
  "naloxonePer100Releases",
  "estOpioidDependent",
  "oatActiveEnd",
  "oatReachPct",
];

function table(ctx: Ctx, figs: FunderFigure[]): string {
  const head = [ctx.t("col.prison"), ...TABLE_COLUMNS.map((k) => ctx.t(`col.${k as string}`))];
  const rows = figs.map(
    (f) =>
      `<tr class="${f.prisonId === "*" ? "total" : ""}"><th scope="row">${esc(label(ctx, f))}</th>${cell(ctx, f, "avgPopulation")}${cell(ctx, f, "estPwid")}${cell(ctx, f, "nspClients")}${cell(ctx, f, "nspRegular")}${cell(ctx, f, "nspReachPct", 1)}${cell(ctx, f, "regularPct", 1)}${cell(ctx, f, "syringes")}${banded(ctx, f, "syringesPerPwidYear", "syringeBand")}${cell(ctx, f, "naloxoneKits")}${cell(ctx, f, "naloxonePer100Prisoners", 1)}${cell(ctx, f, "naloxonePer100Releases", 1)}${cell(ctx, f, "estOpioidDependent")}${cell(ctx, f, "oatActiveEnd")}${banded(ctx, f, "oatReachPct", "oatBand", 1)}</tr>`,
  );
  return `<table class="coverage"><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** A horizontal bar chart per prison, with the WHO band limits drawn as lines. */
function chart(
  ctx: Ctx,
  title: string,
  figs: FunderFigure[],
  k: Key,
  bands: { at: number; label: string }[],
  bandOf: (v: number) => string,
): string {
  const prisons = figs.filter((f) => f.prisonId !== "*");
  const rowH = 22;
  const left = 210;
  const width = 720;
  const plotW = width - left - 60;
  const values = prisons.map((f) => f[k] as number | null);
  const max = Math.max(1, ...bands.map((b) => b.at * 1.15), ...values.map((v) => v ?? 0)) * 1.05;
  const x = (v: number) => left + (v / max) * plotW;
  const height = 40 + prisons.length * rowH + 24;
  const bars = prisons
    .map((f, i) => {
      const y = 34 + i * rowH;
      const v = f[k] as number | null;
      const hidden = isHidden(f, k);
      const name = `<text x="${left - 8}" y="${y + 14}" text-anchor="end" class="lbl">${esc(label(ctx, f))}</text>`;
      if (hidden || v === null)
        return `${name}<text x="${left + 4}" y="${y + 14}" class="val">${hidden ? mark() : UNDEFINED}</text>`;
      return `${name}<rect class="bar ${bandOf(v)}" x="${left}" y="${y + 3}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${rowH - 6}"/><text x="${(x(v) + 4).toFixed(1)}" y="${y + 14}" class="val">${esc(ctx.f.number(v, 1))}</text>`;
    })
    .join("");
  const lines = bands
    .map(
      (b) =>
        `<line class="band" x1="${x(b.at).toFixed(1)}" x2="${x(b.at).toFixed(1)}" y1="28" y2="${height - 20}"/><text x="${x(b.at).toFixed(1)}" y="${height - 6}" text-anchor="middle" class="bandlbl">${esc(b.label)}</text>`,
    )
    .join("");
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}"><text x="0" y="16" class="title">${esc(title)}</text><line x1="${left}" x2="${left}" y1="28" y2="${height - 20}" class="axis"/>${bars}${lines}</svg>`;
}

/** A period's heading with its first and last day, month names in the report's language. */
function periodTitle({ t, f }: Ctx, grain: FunderGrain, start: string, end: string): string {
  return t(`period.${grain}`, { start: f.date(start), end: f.date(end) });
}

/** The report's creation instant, in UTC, as the language writes dates. */
const generatedAt = (f: Formats, iso: string) =>
  Number.isNaN(Date.parse(iso)) ? iso : `${f.dateTime(Date.parse(iso), "UTC")} UTC`;

const pct = (f: Formats, v: number) => `${f.number(100 * v, 1)} %`;

export function renderHtml(data: FunderData, meta: ReportMeta): string {
  const lang = meta.lang ?? DEFAULT_LANG;
  const ctx: Ctx = { t: translator(lang, "report"), f: formats(lang) };
  const { t } = ctx;
  const byPeriod = new Map<string, FunderFigure[]>();
  for (const f of data.figures) byPeriod.set(f.periodStart, [...(byPeriod.get(f.periodStart) ?? []), f]);
  const sections = [...byPeriod.values()].map((figs) => {
    const first = figs[0] as FunderFigure;
    return `<section class="period"><h2>${esc(periodTitle(ctx, meta.grain, first.periodStart, first.periodEnd))}</h2>
${table(ctx, figs)}
<div class="charts">
${chart(ctx, t("chart.nspReach"), figs, "nspReachPct", [], () => "neutral")}
${chart(
  ctx,
  t("chart.syringes"),
  figs,
  "syringesPerPwidYear",
  [
    {
      at: SYRINGE_BANDS.mediumFrom,
      label: t("chart.syringeLine", { value: SYRINGE_BANDS.mediumFrom, band: t("band.medium") }),
    },
    {
      at: SYRINGE_BANDS.highAbove,
      label: t("chart.syringeLine", { value: SYRINGE_BANDS.highAbove, band: t("band.high") }),
    },
  ],
  (v) => (v < SYRINGE_BANDS.mediumFrom ? "low" : v > SYRINGE_BANDS.highAbove ? "high" : "medium"),
)}
${chart(
  ctx,
  t("chart.oatReach"),
  figs,
  "oatReachPct",
  [
    {
      at: OAT_BANDS.moderateFrom,
      label: t("chart.oatLine", { value: OAT_BANDS.moderateFrom, band: t("band.moderate") }),
    },
    {
      at: OAT_BANDS.highFrom,
      label: t("chart.oatLine", { value: OAT_BANDS.highFrom, band: t("band.high") }),
    },
  ],
  (v) => (v < OAT_BANDS.moderateFrom ? "low" : v < OAT_BANDS.highFrom ? "medium" : "high"),
)}
</div></section>`;
  });
  const used = new Map<string, FunderFigure>();
  for (const f of data.figures)
    if (f.prisonId !== "*")
      used.set(
        `${f.prisonId}|${f.estimateSource}|${f.injectingPrevalence}|${f.opioidDependencePrevalence}`,
        f,
      );
  const thresholds = [...new Set(data.figures.map((f) => f.threshold))];
  const estimatesUsed = [...used.values()]
    .map(
      (f) =>
        `<tr><th scope="row">${esc(label(ctx, f))}</th><td>${f.injectingPrevalence === null ? "–" : pct(ctx.f, f.injectingPrevalence)}</td><td>${f.opioidDependencePrevalence === null ? "–" : pct(ctx.f, f.opioidDependencePrevalence)}</td><td>${esc(f.estimateSource ?? t("est.none"))}</td></tr>`,
    )
    .join("");
  const configured = data.estimates
    .filter((e) => e.estimateId !== null)
    .map(
      (e) =>
        `<tr><td>${esc(e.prisonId)}</td><td>${esc(e.effectiveFrom === null ? "–" : ctx.f.date(e.effectiveFrom))}</td><td>${pct(ctx.f, e.injectingPrevalence)}</td><td>${pct(ctx.f, e.opioidDependencePrevalence)}</td><td>${esc(e.source)}</td></tr>`,
    )
    .join("");
  const grainName = t(`grain.${meta.grain}`);
  const empty =
    sections.length === 0
      ? `<p class="empty">${esc(t("empty", { grain: grainName, from: ctx.f.date(meta.from), to: ctx.f.date(meta.to) }))}</p>`
      : "";
  const threshold = thresholds[0] ?? 5;
  const th = (k: string) => `<th scope="col">${esc(t(k))}</th>`;
  return `<!doctype html>
<html lang="${esc(lang)}"><head><meta charset="utf-8"><title>${esc(t("documentTitle", { from: meta.from, to: meta.to }))}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font: 11px/1.4 "DejaVu Sans", Arial, sans-serif; color: #1d2433; margin: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; } h3 { font-size: 13px; margin: 14px 0 4px; }
.meta { color: #555; margin-bottom: 10px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid #c8ccd4; padding: 3px 5px; text-align: right; }
th[scope=row], thead th { text-align: left; background: #f2f4f7; }
thead th { font-size: 10px; hyphens: auto; }
tr.total th, tr.total td { font-weight: bold; border-top: 2px solid #1d2433; }
td.sup { color: #7a2e9a; font-style: italic; } td.na { color: #999; }
.band { padding: 1px 4px; border-radius: 3px; } .band.low { background: #fde2e1; } .band.medium, .band.moderate { background: #fff1c7; } .band.high { background: #d9f2df; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; page-break-inside: avoid; }
svg.chart text { font: 10px "DejaVu Sans", Arial, sans-serif; fill: #1d2433; } svg.chart text.title { font-weight: bold; font-size: 11px; }
svg.chart rect.bar.low { fill: #e0736b; } svg.chart rect.bar.medium { fill: #e8b838; } svg.chart rect.bar.high { fill: #4caf6a; } svg.chart rect.bar.neutral { fill: #5b7db8; }
svg.chart line.band { stroke: #1d2433; stroke-dasharray: 4 3; } svg.chart line.axis { stroke: #888; } svg.chart text.bandlbl { fill: #444; }
section.period { page-break-after: always; } section.period:last-of-type { page-break-after: auto; }
.legend { border: 1px solid #c8ccd4; padding: 6px 10px; background: #faf7fc; }
dl dt { font-weight: bold; margin-top: 4px; } dl dd { margin: 0 0 2px 12px; }
</style></head><body>
<h1>${esc(t("title"))}</h1>
<div class="meta">${esc(t("meta", { from: ctx.f.date(meta.from), to: ctx.f.date(meta.to), grain: grainName }))}${meta.prisonId ? esc(t("metaPrison", { prison: meta.prisonId })) : ""}${esc(t("metaGenerated", { at: generatedAt(ctx.f, meta.generatedAt) }))}</div>
${empty}${sections.join("\n")}
<h2>${esc(t("suppression"))}</h2>
<div class="legend"><p><strong>${esc(HIDDEN)}</strong>${esc(t("legendHidden", { max: threshold - 1, threshold }))} <strong>${esc(UNDEFINED)}</strong>${esc(t("legendUndefined"))}</p>
${data.thresholds.length > 0 ? `<p>${esc(t("thresholdSettings", { list: data.thresholds.map((x) => t("thresholdSetting", { threshold: x.threshold, from: ctx.f.date(x.effectiveFrom), source: x.source })).join("; ") }))}</p>` : `<p>${esc(t("thresholdDefault"))}</p>`}</div>
<h2>${esc(t("estimatesUsed"))}</h2>
<table class="estimates"><thead><tr>${th("est.prison")}${th("est.injecting")}${th("est.opioid")}${th("est.source")}</tr></thead><tbody>${estimatesUsed}</tbody></table>
${configured ? `<h3>${esc(t("configured"))}</h3><table class="estimates"><thead><tr>${th("conf.prison")}${th("conf.effectiveFrom")}${th("conf.injecting")}${th("conf.opioid")}${th("conf.source")}</tr></thead><tbody>${configured}</tbody></table>` : ""}
<h2>${esc(t("definitions"))}</h2>
<dl>${definitions(lang)
    .map((d) => `<dt>${esc(d.term)}</dt><dd>${esc(d.text)}</dd>`)
    .join("")}</dl>
<p class="meta">${esc(t("sources"))}</p>
</body></html>
`;
}

const CSV_COLUMNS: Key[] = [
  "prisonId",
  "prisonName",
  "grain",
  "periodStart",
  "periodEnd",
  "daysObserved",
  "avgPopulation",
  "admissions",
  "releases",
  "estPwid",
  "estOpioidDependent",
  "nspClients",
  "nspRegular",
  "nspReachPct",
  "regularPct",
  "syringes",
  "syringesPerPwidYear",
  "syringeBand",
  "naloxoneKits",
  "naloxonePer100Prisoners",
  "naloxonePer100Releases",
  "oatActiveEnd",
  "oatReachPct",
  "oatBand",
  "injectingPrevalence",
  "opioidDependencePrevalence",
  "estimateSource",
  "threshold",
];
const snake = (k: string) => k.replace(/\d+|[A-Z]/g, (m) => `_${m.toLowerCase()}`);
const csvField = (v: unknown) => (v === null || v === undefined ? "" : String(v));
/** RFC 4180: CRLF after every record; a field holding a comma, a quote, CR or LF is quoted. */
const RFC_4180 = { record_delimiter: "windows", quoted_match: /[\r\n]/ } as const;

/** One line per prison and period (programme total as prison `*`); hidden cells read HIDDEN, undefined ones are empty. */
export function renderCsv(data: FunderData): string {
  const rows = [CSV_COLUMNS.map((c) => snake(c as string))];
  for (const f of data.figures) rows.push(CSV_COLUMNS.map((c) => (isHidden(f, c) ? HIDDEN : csvField(f[c]))));
  return stringify(rows, RFC_4180);
}

/** Hidden values read HIDDEN (a string), undefined ones null: the two never look alike. */
export function renderJson(data: FunderData, meta: ReportMeta): string {
  const { lang: _lang, ...about } = meta;
  const figures = data.figures.map((f) =>
    Object.fromEntries(Object.entries(f).map(([k, v]) => [k, isHidden(f, k as Key) ? HIDDEN : v])),
  );
  return `${JSON.stringify({ ...about, hiddenSymbol: HIDDEN, definitions: DEFINITIONS, ...data, figures }, null, 2)}\n`;
}
