import type { TimeRange } from "../macros";
import type { DashboardSpec, PanelSpec, SpecialValues } from "../model";
import type { PanelResult } from "../run";

/** What one panel returned (or the error it raised), ready to draw. */
export interface RenderedPanel {
  panel: PanelSpec;
  result?: PanelResult;
  error?: string;
}

export interface RenderedDashboard {
  spec: DashboardSpec;
  range: TimeRange;
  variables: Record<string, string[]>;
  panels: RenderedPanel[][]; // by row
}

const PALETTE = [
  "#7eb26d",
  "#eab839",
  "#6ed0e0",
  "#ef843c",
  "#e24d42",
  "#1f78c1",
  "#ba43a9",
  "#705da0",
  "#508642",
  "#cca300",
];
const COLORS: Record<string, string> = {
  green: "#56a64b",
  red: "#e02f44",
  orange: "#ff9830",
  yellow: "#fade2a",
  blue: "#3274d9",
};

export const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

const isoMinute = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

function toNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === "") return null;
  if (v instanceof Date) return v.getTime();
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * A value as Grafana would show it: a panel's special-value mappings first (NULL, and NaN of a
 * number), then the unit (the few units the dashboards use).
 */
export function formatValue(v: unknown, unit?: string, decimals?: number, special?: SpecialValues): string {
  if (v === null || v === undefined) return special?.null ?? "–";
  if (special && typeof v === "number" && Number.isNaN(v)) return special.nan;
  if (v instanceof Date) return isoMinute(v);
  const n = toNumber(v);
  if (n === null) return String(v);
  const fixed = (x: number) =>
    decimals !== undefined
      ? x.toFixed(decimals)
      : Number.isInteger(x)
        ? String(x)
        : x.toFixed(Math.abs(x) < 10 ? 2 : 1);
  switch (unit) {
    case "percent":
      return `${fixed(n)}%`;
    case "celsius":
      return `${fixed(n)} °C`;
    case "d":
      return `${fixed(n)} d`;
    case "reqps":
      return `${fixed(n)}/s`;
    case "dateTimeAsIso":
    case "dateTimeFromNow":
      return isoMinute(new Date(n));
    default:
      return Math.abs(n) >= 10_000 ? n.toLocaleString("en-GB") : fixed(n);
  }
}

function colorFor(panel: PanelSpec, v: number | null): string {
  const steps = panel.thresholds ?? [{ from: null, color: "green" }];
  let c = steps[0]!.color;
  for (const s of steps) if (s.from !== null && v !== null && v >= s.from) c = s.color;
  return COLORS[c] ?? c;
}

function stat(p: RenderedPanel): string {
  const row = p.result!.rows[0] ?? {};
  return `<div class="stat">${p
    .result!.columns.map((c) => {
      const v = row[c];
      const color = colorFor(p.panel, toNumber(v));
      return `<div class="big"><span style="color:${color}">${esc(formatValue(v, p.panel.unit, p.panel.decimals, p.panel.specialValues))}</span><small>${esc(c)}</small></div>`;
    })
    .join("")}</div>`;
}

function table(p: RenderedPanel, maxRows = 25): string {
  const { columns, rows } = p.result!;
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join("");
  const body = rows
    .slice(0, maxRows)
    .map(
      (r) =>
        `<tr>${columns.map((c) => `<td>${esc(formatValue(r[c], undefined, undefined, p.panel.specialValues))}</td>`).join("")}</tr>`,
    )
    .join("");
  const more = rows.length > maxRows ? `<p class="more">… ${rows.length - maxRows} more rows</p>` : "";
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
}

function bargauge(p: RenderedPanel): string {
  const { columns, rows } = p.result!;
  const [label, value] = [columns[0]!, columns[columns.length - 1]!];
  const raw = rows.map((r) => r[value]);
  const values = raw.map((v) => toNumber(v) ?? 0);
  const max = p.panel.max ?? Math.max(1, ...values);
  const min = p.panel.min ?? 0;
  return `<div class="bars">${rows
    .slice(0, 40)
    .map((r, i) => {
      const v = values[i]!;
      const pct = Math.max(0, Math.min(100, ((v - min) / (max - min || 1)) * 100));
      return `<div class="bar"><span class="label">${esc(r[label])}</span><span class="track"><span class="fill" style="width:${pct.toFixed(1)}%;background:${colorFor(p.panel, v)}"></span></span><span class="val">${esc(formatValue(p.panel.specialValues ? raw[i] : v, p.panel.unit, p.panel.decimals, p.panel.specialValues))}</span></div>`;
    })
    .join("")}</div>`;
}

/** Long (time, metric, value) or wide (time, value…) rows as an inline SVG line chart. */
function timeseries(p: RenderedPanel, range: TimeRange): string {
  const { columns, rows } = p.result!;
  const series = new Map<string, [number, number][]>();
  const metric = columns.includes("metric") ? "metric" : undefined;
  const values = columns.filter((c) => c !== "time" && c !== metric);
  for (const r of rows) {
    const t = toNumber(r["time"]);
    if (t === null) continue;
    for (const c of values) {
      const v = toNumber(r[c]);
      if (v === null) continue;
      const name = metric ? (values.length > 1 ? `${r[metric]} ${c}` : String(r[metric])) : c;
      const s = series.get(name) ?? [];
      if (s.length === 0) series.set(name, s);
      s.push([t, v]);
    }
  }
  const W = 1000;
  const H = 220;
  const pad = { l: 56, r: 10, t: 10, b: 24 };
  const t0 = range.from.getTime();
  const t1 = range.to.getTime();
  const all = [...series.values()].flat();
  let lo = Math.min(0, ...all.map((x) => x[1]));
  let hi = Math.max(...all.map((x) => x[1]), 1e-9);
  if (p.panel.min !== undefined) lo = p.panel.min;
  if (p.panel.max !== undefined) hi = p.panel.max;
  const x = (t: number) => pad.l + ((t - t0) / (t1 - t0 || 1)) * (W - pad.l - pad.r);
  const y = (v: number) => H - pad.b - ((v - lo) / (hi - lo || 1)) * (H - pad.t - pad.b);
  const grid = [0, 0.5, 1]
    .map((f) => {
      const v = lo + f * (hi - lo);
      return `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/><text x="${pad.l - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(formatValue(v, p.panel.unit, p.panel.decimals))}</text>`;
    })
    .join("");
  const axis = [0, 0.5, 1]
    .map((f) => {
      const t = t0 + f * (t1 - t0);
      const anchor = f === 0 ? "start" : f === 1 ? "end" : "middle";
      return `<text x="${x(t).toFixed(1)}" y="${H - 6}" text-anchor="${anchor}">${esc(isoMinute(new Date(t)))}</text>`;
    })
    .join("");
  const names = [...series.keys()];
  const lines = names
    .map((name, i) => {
      const pts = series
        .get(name)!
        .sort((a, b) => a[0] - b[0])
        .map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`)
        .join(" ");
      return `<polyline points="${pts}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.5"/>`;
    })
    .join("");
  const legend = names
    .slice(0, 24)
    .map((n, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(n)}</span>`)
    .join("");
  const more = names.length > 24 ? `<span>… ${names.length - 24} more series</span>` : "";
  return `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${esc(p.panel.title)}">${grid}${axis}${lines}</svg><div class="legend">${legend}${more}</div>`;
}

function panelHtml(p: RenderedPanel, range: TimeRange): string {
  let body: string;
  if (p.error) body = `<p class="error">${esc(p.error)}</p>`;
  else if (!p.result || p.result.rows.length === 0) body = `<p class="empty">No data</p>`;
  else {
    switch (p.panel.kind) {
      case "stat":
        body = stat(p);
        break;
      case "table":
        body = table(p);
        break;
      case "bargauge":
        body = bargauge(p);
        break;
      case "timeseries":
        body = timeseries(p, range);
        break;
    }
  }
  const ms = p.result ? ` · ${p.result.rows.length} rows · ${p.result.ms.toFixed(0)} ms` : "";
  return `<section class="panel ${p.panel.kind}" style="grid-column: span ${p.panel.w}">
  <h3 title="${esc(p.panel.description)}">${esc(p.panel.title)}</h3>
  <div class="body">${body}</div>
  <details><summary>SQL${ms}</summary><pre>${esc(p.result?.sql ?? p.panel.query.sql)}</pre></details>
</section>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#111217;color:#ccccdc;margin:0;padding:16px 24px;font-size:13px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 2px;color:#fff}h4{margin:16px 0 6px;color:#9fa7b3;font-weight:500;text-transform:uppercase;font-size:11px;letter-spacing:.06em}
nav a{color:#6e9fff;margin-right:14px}.meta{color:#8e8e8e;margin:2px 0 8px}
.grid24{display:grid;grid-template-columns:repeat(24,1fr);gap:8px}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:4px;padding:8px 10px;min-width:0;overflow:hidden}
.panel h3{font-size:13px;margin:0 0 6px;color:#d8d9da;font-weight:500}
.stat{display:flex;gap:18px;flex-wrap:wrap}.big span{font-size:30px;font-weight:600;display:block}.big small{color:#8e8e8e}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #2c3235;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:260px}th{color:#6e9fff;font-weight:500}
.bars{display:flex;flex-direction:column;gap:3px}.bar{display:grid;grid-template-columns:minmax(120px,38%) 1fr 64px;gap:6px;align-items:center}
.label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.track{background:#22252b;height:12px;border-radius:2px;display:block}.fill{height:12px;display:block;border-radius:2px}.val{text-align:right}
svg{width:100%;height:220px;display:block}svg text{fill:#8e8e8e;font-size:11px}svg .grid{stroke:#2c3235}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;margin-top:4px;font-size:11px}.legend i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
details{margin-top:6px;color:#8e8e8e}pre{white-space:pre-wrap;font-size:11px;background:#0b0c0e;padding:6px}
.error{color:#e02f44}.empty{color:#8e8e8e}.more{color:#8e8e8e;margin:4px 0 0}
`;

/** One static HTML page (no script, no network) with every dashboard's panels. */
export function renderHtml(dashboards: RenderedDashboard[], generatedAt: Date): string {
  const nav = dashboards.map((d) => `<a href="#${esc(d.spec.uid)}">${esc(d.spec.title)}</a>`).join("");
  const sections = dashboards
    .map((d) => {
      const vars = Object.entries(d.variables)
        .map(([k, v]) => `${esc(k)} = All (${v.length})`)
        .join(" · ");
      const rows = d.spec.rows
        .map(
          (r, i) =>
            `<h4>${esc(r.title)}</h4><div class="grid24">${d.panels[i]!.map((p) => panelHtml(p, d.range)).join("\n")}</div>`,
        )
        .join("\n");
      return `<article id="${esc(d.spec.uid)}">
<h2>${esc(d.spec.title)}</h2>
<p class="meta">For: ${esc(d.spec.audience)} — ${esc(d.spec.description)}<br>Time range ${esc(isoMinute(d.range.from))} → ${esc(isoMinute(d.range.to))} UTC (${esc(d.spec.time.from)} … ${esc(d.spec.time.to)}) · ${vars}</p>
${rows}
</article>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hrvend dashboards preview</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${CSS}</style></head>
<body><h1>hrvend dashboards — preview</h1>
<p class="meta">The panels' own SQL, expanded as Grafana's PostgreSQL datasource does and run as each audience's database role. Generated ${esc(generatedAt.toISOString())}.</p>
<nav>${nav}</nav>
${sections}
</body></html>
`;
}
