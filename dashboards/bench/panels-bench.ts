import { DASHBOARDS } from "../src/index";
import type { Audience, DashboardSpec } from "../src/model";
import { panelsOf } from "../src/model";
import { panelSql, type Queryable, resolveRange, resolveVariables } from "../src/run";

export const TARGET_P95_MS = 200;

export interface PanelTiming {
  dashboard: string;
  panel: string;
  rows: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  pass: boolean;
}

export interface PanelsBench {
  /** What the database held when measured (the fill is the caller's: see test/bench/dashboards.bench.ts). */
  data: Record<string, unknown>;
  /** Each dashboard's default range, ending at `now`, with every variable on All. */
  now: string;
  runs: number;
  targetP95Ms: number;
  panels: PanelTiming[];
  slowestP95Ms: number;
  pass: boolean;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Every panel's query, expanded as Grafana sends it, timed `runs` times (after one warm-up run)
 * against what `db` holds, each dashboard as its audience's role when `db` gives one connection per
 * audience (as Grafana's datasources do). Panels run in turn,
 * the way one dashboard load would, so each timing is one query on an otherwise idle server.
 */
export async function panelsBench(
  dbs: Queryable | ((audience: Audience) => Queryable),
  opts: {
    now: Date;
    runs?: number;
    dashboards?: DashboardSpec[];
    data?: Record<string, unknown>;
    log?: (s: string) => void;
  },
): Promise<PanelsBench> {
  const runs = opts.runs ?? 20;
  const panels: PanelTiming[] = [];
  for (const spec of opts.dashboards ?? DASHBOARDS) {
    const db = typeof dbs === "function" ? dbs(spec.access) : dbs;
    const range = resolveRange(spec.time, opts.now);
    const vars = await resolveVariables(db, spec, range);
    for (const panel of panelsOf(spec)) {
      const text = panelSql(panel, range, vars);
      const first = await db.query(text);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await db.query(text);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const p95 = quantile(times, 0.95);
      panels.push({
        dashboard: spec.uid,
        panel: panel.title,
        rows: first.rows.length,
        p50Ms: round(quantile(times, 0.5)),
        p95Ms: round(p95),
        maxMs: round(times[times.length - 1]!),
        pass: p95 < TARGET_P95_MS,
      });
      opts.log?.(`${spec.uid} · ${panel.title}: p95 ${round(p95)} ms (${first.rows.length} rows)`);
    }
  }
  const slowest = Math.max(...panels.map((p) => p.p95Ms));
  return {
    data: opts.data ?? {},
    now: opts.now.toISOString(),
    runs,
    targetP95Ms: TARGET_P95_MS,
    panels,
    slowestP95Ms: slowest,
    pass: panels.every((p) => p.pass),
  };
}
