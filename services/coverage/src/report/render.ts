import { OAT_BANDS, SYRINGE_BANDS } from "../domain/bands";
import type { FunderGrain } from "../domain/suppress";
import { HIDDEN, UNDEFINED } from "../domain/suppress";
import type { FunderData, FunderFigure } from "../store/funder-read";

export interface ReportMeta {
  from: string;
  to: string;
  grain: FunderGrain;
  prisonId?: string | undefined;
  generatedAt: string;
}

/** Definitions as printed in the report (docs/domain.md §Coverage definitions), with their sources. */
export const DEFINITIONS: { term: string; text: string }[] = [
  {
    term: "Estimated PWID / opioid-dependent",
    text: "Average census population over the period's observed days × the prison's injecting (opioid-dependence) prevalence estimate in force on the period's last day.",
  },
  {
    term: "NSP active clients",
    text: "Distinct anonymous cards with at least one syringe-kit dispense in the period.",
  },
  { term: "NSP reach %", text: "NSP active clients / estimated PWID (WHO SMART HIV.IND.8 logic)." },
  {
    term: "Regular access %",
    text: "Share of clients who got syringes in every 30-day window of the period that the programme observed (HIV.IND.9). Windows start on the period's first day, a remainder under 30 days joins the last window; a window is observed when every one of its days lies between the first and the last census day of the period. Defined only with at least two observed windows (a quarter, a year); otherwise shown as –.",
  },
  {
    term: "Syringes per PWID per year",
    text: `Syringes dispensed / estimated PWID × 365 / observed days. Bands (WHO/UNODC/UNAIDS technical guide): low < ${SYRINGE_BANDS.mediumFrom}, medium ${SYRINGE_BANDS.mediumFrom}–${SYRINGE_BANDS.highAbove}, high > ${SYRINGE_BANDS.highAbove}; WHO hepatitis targets ${SYRINGE_BANDS.targets[2020]} (2020) and ${SYRINGE_BANDS.targets[2030]} (2030).`,
  },
  {
    term: "OAT reach %",
    text: `Clients active on OAT at the end of the period (health-unit register: enrolled, not discharged) / estimated opioid-dependent people. Bands (WHO): low < ${OAT_BANDS.moderateFrom}, moderate ${OAT_BANDS.moderateFrom}–${OAT_BANDS.highFrom - 1}, high ≥ ${OAT_BANDS.highFrom}; UNAIDS target ${OAT_BANDS.unaidsTarget}.`,
  },
  {
    term: "Naloxone",
    text: "Naloxone kits dispensed per 100 prisoners (average population) and per 100 releases in the period.",
  },
  {
    term: "Observed days",
    text: "Days of the period with a census report; days and periods are counted in each prison's local time zone.",
  },
];

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

type Key = keyof FunderFigure;
/** One symbol for every hidden value, small or hidden to protect a small one (they must look alike). */
const isHidden = (f: FunderFigure, k: Key) => (f.suppressed as string[]).includes(k as string);
const mark = () => esc(HIDDEN);

function cell(f: FunderFigure, k: Key, digits = 0, suffix = ""): string {
  if (isHidden(f, k)) return `<td class="sup">${mark()}</td>`;
  const v = f[k];
  if (v === null || v === undefined) return `<td class="na">${UNDEFINED}</td>`;
  if (typeof v === "number")
    return `<td>${esc(v.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits }))}${suffix}</td>`;
  return `<td>${esc(v)}</td>`;
}
function banded(f: FunderFigure, k: Key, band: Key, digits = 0): string {
  if (isHidden(f, k)) return `<td class="sup">${mark()}</td>`;
  const v = f[k] as number | null;
  if (v === null) return `<td class="na">${UNDEFINED}</td>`;
  return `<td><span class="band ${esc(f[band])}">${v.toFixed(digits)} · ${esc(f[band])}</span></td>`;
}

const label = (f: FunderFigure) => (f.prisonId === "*" ? "Programme total" : (f.prisonName ?? f.prisonId));

function table(figs: FunderFigure[]): string {
  const head = [
    "Prison",
    "Avg population",
    "Est. PWID",
    "NSP clients",
    "Regular clients",
    "NSP reach %",
    "Regular access %",
    "Syringes",
    "Syringes / PWID / year",
    "Naloxone kits",
    "per 100 prisoners",
    "per 100 releases",
    "Est. opioid-dependent",
    "OAT active at end",
    "OAT reach %",
  ];
  const rows = figs.map(
    (f) =>
      `<tr class="${f.prisonId === "*" ? "total" : ""}"><th scope="row">${esc(label(f))}</th>${cell(f, "avgPopulation")}${cell(f, "estPwid")}${cell(f, "nspClients")}${cell(f, "nspRegular")}${cell(f, "nspReachPct", 1)}${cell(f, "regularPct", 1)}${cell(f, "syringes")}${banded(f, "syringesPerPwidYear", "syringeBand")}${cell(f, "naloxoneKits")}${cell(f, "naloxonePer100Prisoners", 1)}${cell(f, "naloxonePer100Releases", 1)}${cell(f, "estOpioidDependent")}${cell(f, "oatActiveEnd")}${banded(f, "oatReachPct", "oatBand", 1)}</tr>`,
  );
  return `<table class="coverage"><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** A horizontal bar chart per prison, with the WHO band limits drawn as lines. */
function chart(
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
      const name = `<text x="${left - 8}" y="${y + 14}" text-anchor="end" class="lbl">${esc(label(f))}</text>`;
      if (hidden || v === null)
        return `${name}<text x="${left + 4}" y="${y + 14}" class="val">${hidden ? mark() : UNDEFINED}</text>`;
      return `${name}<rect class="bar ${bandOf(v)}" x="${left}" y="${y + 3}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${rowH - 6}"/><text x="${(x(v) + 4).toFixed(1)}" y="${y + 14}" class="val">${v.toFixed(1)}</text>`;
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

function periodTitle(grain: FunderGrain, start: string, end: string): string {
  return `${grain[0]?.toUpperCase()}${grain.slice(1)} ${start} – ${end}`;
}

export function renderHtml(data: FunderData, meta: ReportMeta): string {
  const byPeriod = new Map<string, FunderFigure[]>();
  for (const f of data.figures) byPeriod.set(f.periodStart, [...(byPeriod.get(f.periodStart) ?? []), f]);
  const sections = [...byPeriod.values()].map((figs) => {
    const first = figs[0] as FunderFigure;
    return `<section class="period"><h2>${esc(periodTitle(meta.grain, first.periodStart, first.periodEnd))}</h2>
${table(figs)}
<div class="charts">
${chart("NSP reach % (clients / estimated PWID)", figs, "nspReachPct", [], () => "neutral")}
${chart(
  "Syringes per PWID per year, against WHO bands",
  figs,
  "syringesPerPwidYear",
  [
    { at: SYRINGE_BANDS.mediumFrom, label: `${SYRINGE_BANDS.mediumFrom} medium` },
    { at: SYRINGE_BANDS.highAbove, label: `${SYRINGE_BANDS.highAbove} high` },
  ],
  (v) => (v < SYRINGE_BANDS.mediumFrom ? "low" : v > SYRINGE_BANDS.highAbove ? "high" : "medium"),
)}
${chart(
  "OAT reach %, against WHO bands",
  figs,
  "oatReachPct",
  [
    { at: OAT_BANDS.moderateFrom, label: `${OAT_BANDS.moderateFrom}% moderate` },
    { at: OAT_BANDS.highFrom, label: `${OAT_BANDS.highFrom}% high` },
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
        `<tr><th scope="row">${esc(label(f))}</th><td>${f.injectingPrevalence === null ? "–" : `${(100 * f.injectingPrevalence).toFixed(1)} %`}</td><td>${f.opioidDependencePrevalence === null ? "–" : `${(100 * f.opioidDependencePrevalence).toFixed(1)} %`}</td><td>${esc(f.estimateSource ?? "none")}</td></tr>`,
    )
    .join("");
  const configured = data.estimates
    .filter((e) => e.estimateId !== null)
    .map(
      (e) =>
        `<tr><td>${esc(e.prisonId)}</td><td>${esc(e.effectiveFrom)}</td><td>${(100 * e.injectingPrevalence).toFixed(1)} %</td><td>${(100 * e.opioidDependencePrevalence).toFixed(1)} %</td><td>${esc(e.source)}</td></tr>`,
    )
    .join("");
  const empty =
    sections.length === 0
      ? `<p class="empty">No ${esc(meta.grain)} lies wholly between ${esc(meta.from)} and ${esc(meta.to)}.</p>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hrvend coverage report ${esc(meta.from)} – ${esc(meta.to)}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font: 11px/1.4 "DejaVu Sans", Arial, sans-serif; color: #1d2433; margin: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; } h3 { font-size: 13px; margin: 14px 0 4px; }
.meta { color: #555; margin-bottom: 10px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid #c8ccd4; padding: 3px 5px; text-align: right; }
th[scope=row], thead th { text-align: left; background: #f2f4f7; }
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
<h1>Harm-reduction coverage in prisons</h1>
<div class="meta">Period ${esc(meta.from)} – ${esc(meta.to)} · by ${esc(meta.grain)}${meta.prisonId ? ` · prison ${esc(meta.prisonId)}` : ""} · generated ${esc(meta.generatedAt)} by hrvend from the funder views (small numbers suppressed)</div>
${empty}${sections.join("\n")}
<h2>Suppression</h2>
<div class="legend"><p><strong>${esc(HIDDEN)}</strong>: a hidden value. Counts between 1 and ${esc((thresholds[0] ?? 5) - 1)} (people, naloxone kits; syringes from so few kits) are hidden so that no person can be singled out, and so are other cells chosen by an optimiser (complementary suppression, as τ-ARGUS and sdcTable do) so that no total, difference or rate narrows a hidden count: whatever a reader combines, each small count could still be 0 or ${esc(thresholds[0] ?? 5)} or more. A hidden cell may be small or large; the same symbol marks both. A rate or band computed from a hidden count is hidden. <strong>${esc(UNDEFINED)}</strong>: not defined (no denominator, e.g. regular access with fewer than two observed windows); not a hidden value. Population, releases and estimates are institutional figures and are shown. Zero is shown as 0.</p>
${data.thresholds.length > 0 ? `<p>Threshold settings: ${data.thresholds.map((t) => `${esc(t.threshold)} from ${esc(t.effectiveFrom)} (${esc(t.source)})`).join("; ")}.</p>` : "<p>Threshold: the default, 5 (counts 1–4 hidden).</p>"}</div>
<h2>Estimates used</h2>
<table class="estimates"><thead><tr><th scope="col">Prison</th><th scope="col">Injecting prevalence</th><th scope="col">Opioid-dependence prevalence</th><th scope="col">Source</th></tr></thead><tbody>${estimatesUsed}</tbody></table>
${configured ? `<h3>Configured estimates (with effective dates)</h3><table class="estimates"><thead><tr><th>Prison</th><th>Effective from</th><th>Injecting</th><th>Opioid dependence</th><th>Source</th></tr></thead><tbody>${configured}</tbody></table>` : ""}
<h2>Definitions and sources</h2>
<dl>${DEFINITIONS.map((d) => `<dt>${esc(d.term)}</dt><dd>${esc(d.text)}</dd>`).join("")}</dl>
<p class="meta">Sources: WHO, UNODC, UNAIDS, Technical guide for countries to set targets for universal access to HIV prevention, treatment and care for injecting drug users; WHO SMART indicators HIV.IND.8 and HIV.IND.9; WHO Global health sector strategy on viral hepatitis; UNAIDS targets. Figures are computed by hrvend from machine dispenses, the daily prison census and the OAT register; card and client tokens never leave the coverage service.</p>
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
const csvField = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One line per prison and period (programme total as prison `*`); hidden cells read HIDDEN, undefined ones are empty. */
export function renderCsv(data: FunderData): string {
  const lines = [CSV_COLUMNS.map((c) => snake(c as string)).join(",")];
  for (const f of data.figures)
    lines.push(CSV_COLUMNS.map((c) => (isHidden(f, c) ? HIDDEN : csvField(f[c]))).join(","));
  return `${lines.join("\n")}\n`;
}

/** Hidden values read HIDDEN (a string), undefined ones null: the two never look alike. */
export function renderJson(data: FunderData, meta: ReportMeta): string {
  const figures = data.figures.map((f) =>
    Object.fromEntries(Object.entries(f).map(([k, v]) => [k, isHidden(f, k as Key) ? HIDDEN : v])),
  );
  return `${JSON.stringify({ ...meta, hiddenSymbol: HIDDEN, definitions: DEFINITIONS, ...data, figures }, null, 2)}\n`;
}
