import { DASHBOARDS } from "../index";
import type { Audience, DashboardSpec } from "../model";
import { type Queryable, resolveRange, resolveVariables, runPanel } from "../run";
import { type RenderedDashboard, renderHtml } from "./render";

export { formatValue, type RenderedDashboard, renderHtml } from "./render";

/**
 * The instant the dashboards' relative ranges (now-30d … now) end at: the latest recorded event
 * (without OAT register events, as the operator reads them: migration 0016),
 * so a simulated run (whose events lie in the past or future) shows its data; at most the wall clock.
 */
export async function latestEventTime(db: Queryable): Promise<Date | undefined> {
  const r = await db.query("SELECT reporting.pipeline_latest() AS t");
  const t = r.rows[0]?.["t"];
  return t ? new Date(t as string | Date) : undefined;
}

/**
 * A connection per audience: each dashboard runs as its own audience's database role, as Grafana's
 * datasource for that audience does (one connection for all is accepted, e.g. the owner's).
 */
export type QueryableFor = Queryable | ((audience: Audience) => Queryable);
const forAudience = (db: QueryableFor): ((audience: Audience) => Queryable) =>
  typeof db === "function" ? db : () => db;

/** Runs every panel of every dashboard (All selected) and returns what each returned. */
export async function previewData(
  dbs: QueryableFor,
  opts: { now: Date; dashboards?: DashboardSpec[] },
): Promise<RenderedDashboard[]> {
  const out: RenderedDashboard[] = [];
  for (const spec of opts.dashboards ?? DASHBOARDS) {
    const db = forAudience(dbs)(spec.access);
    const range = resolveRange(spec.time, opts.now);
    const vars = await resolveVariables(db, spec, range);
    const panels = [];
    for (const row of spec.rows) {
      const rendered = [];
      for (const panel of row.panels) {
        try {
          rendered.push({ panel, result: await runPanel(db, panel, range, vars) });
        } catch (e) {
          rendered.push({ panel, error: (e as Error).message });
        }
      }
      panels.push(rendered);
    }
    out.push({
      spec,
      range,
      variables: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, [v.value].flat()])),
      panels,
    });
  }
  return out;
}

/** The static HTML page `hrvend dashboards preview` writes. */
export async function renderPreview(
  dbs: QueryableFor,
  opts: { now?: Date; generatedAt?: Date } = {},
): Promise<string> {
  const wall = opts.generatedAt ?? new Date();
  // The operators' role reads the pipeline's events (the others do not).
  const latest = await latestEventTime(forAudience(dbs)("operator"));
  const now = opts.now ?? (latest && latest < wall ? latest : wall);
  return renderHtml(await previewData(dbs, { now }), wall);
}
