import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { type DashboardSpec, datasourceOf, type PanelSpec } from "./model";

type Ref = ReturnType<typeof datasourceOf>;

/**
 * The query of Grafana's PostgreSQL datasource (the SDK has no builder for it): raw SQL in code
 * mode, with the format that decides how Grafana frames the rows.
 */
class PostgresQuery implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly rawSql: string,
    private readonly format: "table" | "time_series",
    private readonly ds: Ref,
  ) {}
  build(): cog.Dataquery {
    return {
      refId: "A",
      datasource: { ...this.ds },
      editorMode: "code",
      format: this.format,
      rawQuery: true,
      rawSql: this.rawSql,
      _implementsDataqueryVariant() {},
    } as cog.Dataquery;
  }
}

function thresholdsOf(p: PanelSpec): dashboard.ThresholdsConfigBuilder {
  const steps = p.thresholds ?? [{ from: null, color: "green" }];
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map((s) => ({ value: s.from, color: s.color })));
}

const special = (match: dashboard.SpecialValueMatch, text: string): dashboard.SpecialValueMap => ({
  type: dashboard.MappingType.SpecialValue,
  options: { match, result: { text } },
});

function panelOf(p: PanelSpec, id: number, ds: Ref): cog.Builder<dashboard.Panel> {
  const common_ = <
    B extends {
      id(n: number): B;
      title(t: string): B;
      description(d: string): B;
      datasource(d: common.DataSourceRef): B;
      withTarget(t: cog.Builder<cog.Dataquery>): B;
      span(w: number): B;
      height(h: number): B;
      thresholds(t: cog.Builder<dashboard.ThresholdsConfig>): B;
      unit(u: string): B;
      decimals(d: number): B;
      min(m: number): B;
      max(m: number): B;
      interval(i: string): B;
      noValue(v: string): B;
      mappings(m: dashboard.ValueMapping[]): B;
      overrideByFieldType(fieldType: string, properties: dashboard.DynamicConfigValue[]): B;
    },
  >(
    b: B,
  ): B => {
    let out = b
      .id(id)
      .title(p.title)
      .description(p.description)
      .datasource({ ...ds })
      .withTarget(new PostgresQuery(p.query.sql, p.format, ds))
      .span(p.w)
      .height(p.h)
      .thresholds(thresholdsOf(p));
    if (p.unit) out = out.unit(p.unit);
    if (p.decimals !== undefined) out = out.decimals(p.decimals);
    if (p.min !== undefined) out = out.min(p.min);
    if (p.max !== undefined) out = out.max(p.max);
    if (p.minInterval) out = out.interval(p.minInterval);
    if (p.noValue) out = out.noValue(p.noValue);
    if (p.specialValues) {
      const { null: onNull, nan: onNaN } = p.specialValues;
      out = out.mappings([special(dashboard.SpecialValueMatch.Null, onNull)]).overrideByFieldType("number", [
        {
          id: "mappings",
          value: [
            special(dashboard.SpecialValueMatch.Null, onNull),
            special(dashboard.SpecialValueMatch.NotANumber, onNaN),
          ],
        },
      ]);
    }
    return out;
  };
  const allValues = new common.ReduceDataOptionsBuilder().values(true).calcs([]);
  switch (p.kind) {
    case "stat":
      return (
        common_(new stat.PanelBuilder())
          .graphMode(common.BigValueGraphMode.None)
          .colorMode(common.BigValueColorMode.Value)
          // "lastNotNull" would drop a NULL or NaN and show nothing: a mapped panel takes the value as it is.
          .reduceOptions(
            new common.ReduceDataOptionsBuilder()
              .values(false)
              .calcs([p.specialValues ? "last" : "lastNotNull"]),
          )
      );
    case "timeseries":
      return common_(new timeseries.PanelBuilder())
        .drawStyle(common.GraphDrawStyle.Line)
        .lineWidth(1)
        .fillOpacity(10)
        .spanNulls(false)
        .legend(
          new common.VizLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(common.LegendDisplayMode.List)
            .placement(common.LegendPlacement.Bottom),
        );
    case "table":
      return common_(new table.PanelBuilder()).showHeader(true).cellHeight(common.TableCellHeight.Sm);
    case "bargauge":
      return common_(new bargauge.PanelBuilder())
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .orientation(common.VizOrientation.Horizontal)
        .showUnfilled(true)
        .reduceOptions(allValues);
    default: {
      const never: never = p.kind;
      throw new Error(`unknown panel kind ${never}`);
    }
  }
}

/** The dashboard JSON Grafana imports or provisions. */
export function toGrafana(spec: DashboardSpec): dashboard.Dashboard {
  const ds = datasourceOf(spec.access);
  const b = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .editable()
    .time(spec.time)
    .timezone("browser")
    .refresh(spec.refresh ?? "5m")
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
  for (const v of spec.variables) {
    b.withVariable(
      new dashboard.QueryVariableBuilder(v.name)
        .label(v.label)
        .datasource({ ...ds })
        .query(v.query.sql)
        .definition(v.query.sql)
        .multi(true)
        .includeAll(true)
        .current({ text: ["All"], value: ["$__all"] })
        .refresh(dashboard.VariableRefresh.OnDashboardLoad)
        .sort(dashboard.VariableSort.AlphabeticalAsc),
    );
  }
  let id = 1;
  for (const row of spec.rows) {
    b.withRow(new dashboard.RowBuilder(row.title).id(id++));
    for (const p of row.panels) b.withPanel(panelOf(p, id++, ds));
  }
  return b.build();
}
