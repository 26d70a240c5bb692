import { AUDIENCES, type Audience } from "@hrvend/runtime/db";
import pg from "pg";
import { expandQuery, panelIntervalMs, parseIntervalMs, type TimeRange, type VariableValue } from "./macros";
import type { DashboardSpec, PanelSpec } from "./model";

/** What runs the SQL: a pg Client or Pool (connected as the dashboard's audience role, as Grafana is). */
export interface Queryable {
  query(text: string): Promise<{ rows: Record<string, unknown>[]; fields: { name: string }[] }>;
}

/** Grafana's default max data points for a panel about 1000 px wide. */
export const MAX_DATA_POINTS = 1000;

export interface PanelResult {
  columns: string[];
  rows: Record<string, unknown>[];
  sql: string;
  ms: number;
}

/**
 * The dashboard's time range as Grafana resolves `now-30d … now` at `now`. Only the relative
 * forms the dashboards use: `now`, `now-<n><unit>`.
 */
export function resolveRange(time: { from: string; to: string }, now: Date): TimeRange {
  const at = (s: string) => {
    if (s === "now") return now;
    const m = /^now-(\d+)([smhdwMy])$/.exec(s);
    if (!m) throw new Error(`unsupported relative time '${s}'`);
    const n = Number(m[1]);
    const t = new Date(now.getTime());
    // Grafana's dateMath subtracts calendar months and years (here in UTC).
    if (m[2] === "M") t.setUTCMonth(t.getUTCMonth() - n);
    else if (m[2] === "y") t.setUTCFullYear(t.getUTCFullYear() - n);
    else {
      const unitMs: Record<string, number> = {
        s: 1000,
        m: 60_000,
        h: 3_600_000,
        d: 86_400_000,
        w: 604_800_000,
      };
      t.setTime(t.getTime() - n * unitMs[m[2]!]!);
    }
    return t;
  };
  return { from: at(time.from), to: at(time.to) };
}

/**
 * Resolves the dashboard's variables as Grafana does on load with "All" selected: each variable's
 * query (after the earlier variables) lists the values, and All means all of them.
 */
export async function resolveVariables(
  db: Queryable,
  spec: DashboardSpec,
  range: TimeRange,
  selected: Record<string, string[]> = {},
): Promise<Record<string, VariableValue>> {
  const vars: Record<string, VariableValue> = {};
  for (const v of spec.variables) {
    const text = expandQuery(v.query.sql, { range, variables: vars });
    const r = await db.query(text);
    const all = r.rows.map((row) => String(row["__value"] ?? row["value"] ?? Object.values(row)[0]));
    const chosen = selected[v.name];
    vars[v.name] = {
      value: chosen ? all.filter((x) => chosen.includes(x)) : all,
      multi: true,
      includeAll: true,
    };
  }
  return vars;
}

/** The SQL Grafana would send for this panel, at this range and these variables. */
export function panelSql(
  panel: PanelSpec,
  range: TimeRange,
  variables: Record<string, VariableValue>,
): string {
  const min = panel.minInterval ? parseIntervalMs(panel.minInterval) : 0;
  return expandQuery(panel.query.sql, {
    range,
    variables,
    intervalMs: panelIntervalMs(range, MAX_DATA_POINTS, min),
    timescaledb: true,
  });
}

/** Runs a panel's expanded SQL and returns what PostgreSQL sent back. */
export async function runPanel(
  db: Queryable,
  panel: PanelSpec,
  range: TimeRange,
  variables: Record<string, VariableValue>,
): Promise<PanelResult> {
  const text = panelSql(panel, range, variables);
  const t0 = performance.now();
  const r = await db.query(text);
  const ms = performance.now() - t0;
  return { columns: r.fields.map((f) => f.name), rows: r.rows, sql: text, ms };
}

/** Runs `use` with one connection to `url` (as Grafana's role, for the preview and the tests). */
export async function withConnection<T>(url: string, use: (db: Queryable) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "hrvend-dashboards" });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Runs `use` with one connection per audience (each URL logs in with that audience's role). */
export async function withAudienceConnections<T>(
  urls: Record<Audience, string>,
  use: (db: (audience: Audience) => Queryable) => Promise<T>,
): Promise<T> {
  const clients = new Map<Audience, pg.Client>();
  try {
    for (const a of AUDIENCES) {
      const client = new pg.Client({ connectionString: urls[a], application_name: `hrvend-dashboards-${a}` });
      await client.connect();
      clients.set(a, client);
    }
    return await use((a) => clients.get(a) as pg.Client);
  } finally {
    for (const c of clients.values()) await c.end().catch(() => undefined);
  }
}
