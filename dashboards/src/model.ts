import type { Audience } from "@hrvend/runtime/db";
import type { Query } from "./sql";

export type { Audience } from "@hrvend/runtime/db";

/**
 * Where each audience's dashboards live in Grafana (provisioning/): its own organization (Grafana
 * OSS lets every member of an organization query each of its datasources, so only an organization
 * keeps one audience off another's datasource), a datasource logging in with the audience's
 * database role, and a folder. The database schemas its panels may read are those the role is
 * granted (services/cli/src/db/migrations/0010_audiences.ts).
 */
export interface AudienceAccess {
  orgId: number;
  orgName: string;
  datasourceUid: string;
  /** The database login the datasource uses (the national administration's for the administration). */
  role: string;
  /** Environment variable holding that login's password for Grafana's provisioning. */
  passwordEnv: string;
  folderUid: string;
  folderTitle: string;
  schemas: string[];
}

export const ACCESS: Record<Audience, AudienceAccess> = {
  operator: {
    orgId: 1,
    orgName: "hrvend operators",
    datasourceUid: "hrvend-operator",
    role: "hrvend_operator",
    passwordEnv: "HRVEND_OPERATOR_DB_PASSWORD",
    folderUid: "hrvend-operator",
    folderTitle: "hrvend · Operators",
    schemas: ["reporting"],
  },
  outreach: {
    orgId: 2,
    orgName: "hrvend outreach coordinators",
    datasourceUid: "hrvend-outreach",
    role: "hrvend_outreach",
    passwordEnv: "HRVEND_OUTREACH_DB_PASSWORD",
    folderUid: "hrvend-outreach",
    folderTitle: "hrvend · Outreach coordinators",
    schemas: ["reporting"],
  },
  funder: {
    orgId: 3,
    orgName: "hrvend funders",
    datasourceUid: "hrvend-funder",
    role: "hrvend_funder",
    passwordEnv: "HRVEND_FUNDER_DB_PASSWORD",
    folderUid: "hrvend-funder",
    folderTitle: "hrvend · Funders",
    schemas: ["funder"],
  },
  administration: {
    orgId: 4,
    orgName: "hrvend national administration",
    datasourceUid: "hrvend-administration",
    role: "hrvend_admin_national",
    passwordEnv: "HRVEND_ADMIN_NATIONAL_DB_PASSWORD",
    folderUid: "hrvend-administration",
    folderTitle: "hrvend · Prison administration",
    schemas: ["administration"],
  },
};

/** The datasource an audience's panels use (the same uid in every organization that audience has). */
export const datasourceOf = (audience: Audience) =>
  ({ type: "grafana-postgresql-datasource", uid: ACCESS[audience].datasourceUid }) as const;

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
  /** What Grafana shows when the query returns no row. */
  noValue?: string;
  /**
   * Grafana's special-value mappings, which the preview follows too: what a NULL reads as (every
   * field) and what a NaN reads as (number fields only: older Grafana matched NaN with a loose
   * `isNaN`, true for any text). Funder panels: NULL is a hidden value, NaN an undefined one.
   */
  specialValues?: SpecialValues;
}

/** The text a NULL and a NaN read as. */
export interface SpecialValues {
  null: string;
  nan: string;
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
  /** Whose access boundary it reads through: datasource, folder, database role. */
  access: Audience;
  description: string;
  tags: string[];
  /** Default time range, Grafana's relative syntax (now-30d … now). */
  time: { from: string; to: string };
  refresh?: string;
  variables: VariableSpec[];
  rows: RowSpec[];
}

export const panelsOf = (d: DashboardSpec): PanelSpec[] => d.rows.flatMap((r) => r.panels);
