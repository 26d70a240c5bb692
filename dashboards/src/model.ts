import type { Query } from "./sql";

/** The datasource every panel uses: provisioned with this uid (provisioning/datasources/hrvend.yaml). */
export const DATASOURCE = { type: "grafana-postgresql-datasource", uid: "hrvend-timescaledb" } as const;

export type PanelKind = "stat" | "timeseries" | "table" | "bargauge";

/**
 * One panel, as both Grafana and the preview read it. `query.columns` are the columns the panel
 * expects back; `rows` says what the data guarantees after a simulated run: "some" (at least one
 * row) or "any" (may be empty: e.g. active alerts when none is active).
 */
export interface PanelSpec {
  title: string;
  description: string;
  kind: PanelKind;
  query: Query;
  /** Grafana's query format: time series need a `time` column. */
  format: "table" | "time_series";
  rows: "some" | "any";
  /** Grid width (of 24) and height. */
  w: number;
  h: number;
  unit?: string;
  decimals?: number;
  min?: number;
  max?: number;
  /** Colour steps: the first `from` is null (base). */
  thresholds?: { from: number | null; color: string }[];
  /** Panel min interval (Grafana's `interval`): `$__interval` never goes below it. */
  minInterval?: string;
  /** For tables: the column holding a date shown as such. */
  noValue?: string;
}

export interface VariableSpec {
  name: string;
  label: string;
  /** The query listing the values (may use earlier variables). */
  query: Query<"__text" | "__value"> | Query<"value">;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  /** Who it is for, shown at the top of the preview. */
  audience: string;
  description: string;
  tags: string[];
  /** Default time range, Grafana's relative syntax (now-30d … now). */
  time: { from: string; to: string };
  refresh?: string;
  variables: VariableSpec[];
  rows: RowSpec[];
}

export const panelsOf = (d: DashboardSpec): PanelSpec[] => d.rows.flatMap((r) => r.panels);
