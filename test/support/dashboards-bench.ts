import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ACCESS, type Audience, withAudienceConnections } from "@hrvend/dashboards";
import { type PanelsBench, panelsBench } from "@hrvend/dashboards/bench";
import { latestEventTime } from "@hrvend/dashboards/preview";
import { AUDIENCES, type DbRole } from "@hrvend/runtime/db";
import { sql } from "kysely";
import { benchKnobs } from "./config";
import { fillPipeline } from "./dashboards";
import { isolateOn, testDatabase } from "./isolation";
import { startTestServers, type TestServers } from "./servers";

/**
 * The dashboards' benchmark: one simulated year of the `pilot` scenario through the real pipeline
 * (simulator at max speed over MQTT → gateway → JetStream → recorder, stock, reorder, coverage →
 * TimescaleDB), then every panel's query timed as Grafana would send it (default range ending at
 * the year's last event, All selected) each as its audience's role. `BENCH_DASHBOARD_DAYS` shortens the year.
 */
export async function dashboardsBench(servers: TestServers, log: (s: string) => void): Promise<PanelsBench> {
  const days = benchKnobs.dashboardDays();
  const iso = isolateOn("dashbench", servers);
  const tdb = await testDatabase(iso);
  const dir = mkdtempSync(join(tmpdir(), "hrvend-dashbench-"));
  chmodSync(dir, 0o755);
  try {
    // The year ends yesterday (UTC midnight): the gateway dead-letters events from the future.
    const day = 86_400_000;
    const start = new Date((Math.floor(Date.now() / day) - days - 1) * day)
      .toISOString()
      .replace(".000Z", "+00:00");
    const fill = await fillPipeline({
      dir,
      start,
      db: tdb.db,
      writerUrl: tdb.roleUrl("hrvend_writer"),
      scenario: "pilot",
      days,
      label: `dashbench-${iso.tag}`,
      log,
    });
    await fill.stop();
    log(`${fill.events} events through the pipeline in ${fill.seconds} s; measuring the panels`);
    // What autovacuum would have done over a real year (visibility map for index-only scans, statistics).
    await sql`VACUUM ANALYZE`.execute(tdb.db);
    const sizes = await sql<{
      events: string;
      rejects: string;
      level_changes: string;
      coverage_rows: string;
    }>`
      SELECT (SELECT count(*) FROM ingest.raw_event) AS events,
             (SELECT count(*) FROM ingest.dead_letter) AS rejects,
             (SELECT count(*) FROM stock.level_change) AS level_changes,
             (SELECT count(*) FROM coverage.published) AS coverage_rows`.execute(tdb.db);
    const s = sizes.rows[0]!;
    const urls = Object.fromEntries(
      AUDIENCES.map((a) => [a, tdb.roleUrl(ACCESS[a].role as DbRole)]),
    ) as Record<Audience, string>;
    return await withAudienceConnections(urls, async (db) => {
      const now = (await latestEventTime(db("operator"))) ?? fill.end;
      return panelsBench(db, {
        now,
        runs: benchKnobs.dashboardRuns(),
        data: {
          scenario: "pilot",
          simulatedDays: days,
          from: fill.start.toISOString(),
          to: fill.end.toISOString(),
          rawEvents: Number(s.events),
          levelChanges: Number(s.level_changes),
          coverageRows: Number(s.coverage_rows),
          fillSeconds: fill.seconds,
          rejects: Number(s.rejects),
          fill: "simulator --speed max over MQTT through gateway, recorder, stock, reorder, coverage; then VACUUM ANALYZE",
        },
      });
    });
  } finally {
    await tdb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Alone: `npx tsx test/support/dashboards-bench.ts` writes the `dashboards` section of bench.json. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const log = (s: string) => console.error(`[bench] ${s}`);
  const { servers, stop } = await startTestServers();
  try {
    const result = await dashboardsBench(servers, log);
    const file = fileURLToPath(new URL("../../bench.json", import.meta.url));
    const all = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    all.dashboards = result;
    writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
    console.table(
      result.panels.map((p) => ({
        dashboard: p.dashboard,
        panel: p.panel,
        p50: p.p50Ms,
        p95: p.p95Ms,
        pass: p.pass,
      })),
    );
    console.log(
      `slowest p95 ${result.slowestP95Ms} ms (target < ${result.targetP95Ms} ms): ${result.pass ? "pass" : "FAIL"}`,
    );
  } finally {
    await stop();
  }
  process.exit(0);
}
