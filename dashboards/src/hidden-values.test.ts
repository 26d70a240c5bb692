import { describe, expect, it } from "vitest";
import { FUNDER_SPECIAL_VALUES } from "./dashboards/coverage";
import { generatedFiles } from "./generate";
import { DASHBOARDS, type PanelSpec, panelsOf } from "./index";
import { renderHtml } from "./preview";

/** What a funder reads for a hidden and for an undefined value (services/coverage HIDDEN, UNDEFINED). */
const HIDDEN = "[c]";
const UNDEFINED = "–";

interface Mapping {
  type: string;
  options: { match: string; result: { text: string } };
}
interface PanelJson {
  type: string;
  title: string;
  options?: { reduceOptions?: { calcs: string[] } };
  fieldConfig: {
    defaults: { mappings?: Mapping[]; noValue?: string };
    overrides: { matcher: { id: string; options: string }; properties: { id: string; value: Mapping[] }[] }[];
  };
}

const funder = DASHBOARDS.filter((d) => d.access === "funder");
const funderPanels = (): PanelJson[] =>
  funder.flatMap((spec) =>
    (
      JSON.parse(generatedFiles().get(`${spec.access}/${spec.uid}.json`) as string) as { panels: PanelJson[] }
    ).panels.filter((p) => p.type !== "row"),
  );
const textOf = (ms: Mapping[] | undefined, match: string) =>
  ms?.find((m) => m.type === "special" && m.options.match === match)?.options.result.text;
const readsCoverage = (title: string) =>
  funder
    .flatMap(panelsOf)
    .find((p) => p.title === title)!
    .query.sql.includes("funder.coverage");

describe("one symbol for a hidden value on every funder panel", () => {
  it("the coverage dashboards exist and the symbols are the publication's", () => {
    expect(funder.length).toBeGreaterThan(0);
    expect(FUNDER_SPECIAL_VALUES).toEqual({ null: HIDDEN, nan: UNDEFINED });
  });

  it("every funder panel's Grafana JSON maps NULL on every field, and NULL and NaN on number fields", () => {
    const panels = funderPanels();
    expect(panels.length).toBe(funder.flatMap(panelsOf).length);
    for (const p of panels) {
      const hidden = readsCoverage(p.title) ? HIDDEN : UNDEFINED;
      expect(textOf(p.fieldConfig.defaults.mappings, "null"), `${p.title}: NULL`).toBe(hidden);
      const numbers = p.fieldConfig.overrides.find(
        (o) => o.matcher.id === "byType" && o.matcher.options === "number",
      );
      expect(numbers, `${p.title}: number override`).toBeDefined();
      const mappings = numbers!.properties.find((x) => x.id === "mappings")?.value;
      expect(textOf(mappings, "null"), `${p.title}: number NULL`).toBe(hidden);
      expect(textOf(mappings, "nan"), `${p.title}: number NaN`).toBe(UNDEFINED);
      // "lastNotNull" drops a NULL or NaN and the stat shows nothing (or "No data").
      if (p.type === "stat") expect(p.options?.reduceOptions?.calcs, p.title).toEqual(["last"]);
    }
  });

  it("no funder query turns a hidden value into text or into an empty string itself: NULL is the only hidden form", () => {
    for (const p of funder.flatMap(panelsOf)) {
      expect(p.query.sql, p.title).not.toMatch(/'\[c\]'/);
      expect(p.query.sql, p.title).not.toMatch(/THEN ''/);
    }
  });

  it("the preview draws NULL as [c] and NaN as – in stats, tables and bar gauges, never empty or NaN", () => {
    const byKind = (kind: PanelSpec["kind"]) => funder.flatMap(panelsOf).find((p) => p.kind === kind)!;
    const panels = (["stat", "table", "bargauge"] as const).map((kind) => {
      const panel = byKind(kind);
      const [first, second, ...rest] = panel.query.columns;
      const columns: string[] = kind === "stat" ? [...panel.query.columns] : [first!, second!, ...rest];
      const value = columns[columns.length - 1]!;
      const row = (v: unknown) => Object.fromEntries(columns.map((c) => [c, c === value ? v : "x"]));
      const rows = kind === "stat" ? [row(null)] : [row(null), row(Number.NaN), row(7)];
      return { panel, result: { columns, rows, sql: panel.query.sql, ms: 1 } };
    });
    const spec = funder[0]!;
    const html = renderHtml(
      [
        {
          spec: { ...spec, rows: [{ title: "t", panels: panels.map((p) => p.panel) }] },
          range: { from: new Date(0), to: new Date(86_400_000) },
          variables: {},
          panels: [panels],
        },
      ],
      new Date(0),
    );
    const [stat, table, bars] = html.split('<section class="panel').slice(1);
    expect(stat).toMatch(/<span style="color:[^"]+">\[c\]<\/span>/);
    expect(table).toContain(`<td>${HIDDEN}</td>`);
    expect(table).toContain(`<td>${UNDEFINED}</td>`);
    expect(bars).toContain(`<span class="val">${HIDDEN}</span>`);
    expect(bars).toContain(`<span class="val">${UNDEFINED}</span>`);
    for (const part of [stat, table, bars]) {
      expect(part).not.toMatch(/<td><\/td>|<span class="val"><\/span>|>NaN</);
    }
  });
});
