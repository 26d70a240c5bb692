import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumAvailable, screenshotHtml, withBrowser } from "@hrvend/cli/render";
import { loadScenario } from "@hrvend/devices";
import { newSecret } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inheritedPath } from "../support/config";
import { auditPublication, type FunderRow } from "../support/coverage-audit";
import { coverageFromLedger } from "../support/coverage-ledger";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { type Fact, ledgerFacts } from "../support/ledger";
import { startPrivateServers } from "../support/private-servers";
import { reconcileCoverage } from "../support/reconcile";
import { type ServiceProcess, startService } from "../support/services";
import { runSimulator } from "../support/simulator";

const iso = isolate("coverage");
const dir = mkdtempSync(join(tmpdir(), "hrvend-coverage-"));
chmodSync(dir, 0o755);
const cleanup: (() => Promise<unknown>)[] = [];
let tdb: TestDatabase;
let facts: Fact[];
const DAYS = 90;

afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** Polls until `ok` holds (expect.poll works only inside a test; this runs in beforeAll). */
async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(v)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const secret = newSecret();
  const { scenario } = loadScenario("pilot");
  const { broker, nats, stop } = await startPrivateServers(dir, scenario, secret);
  cleanup.push(stop);
  tdb = await testDatabase(iso);
  cleanup.push(() => tdb.close());
  const gateway = await startService(
    "gateway",
    {
      GATEWAY_ID: "cov",
      MQTT_URL: broker.url,
      MQTT_USERNAME: "gw",
      MQTT_PASSWORD: "gw",
      NATS_URL: nats.url,
      METRICS_PORT: "0",
    },
    "coverage-gateway",
  );
  cleanup.push(() => gateway.kill("SIGTERM"));
  const env = { NATS_URL: nats.url, DATABASE_URL: tdb.roleUrl("hrvend_writer"), METRICS_PORT: "0" };
  let coverage: ServiceProcess = await startService("coverage", env, "coverage");
  cleanup.push(() => coverage.kill("SIGTERM"));

  const ledger = join(dir, "ledger.jsonl");
  const started = Date.now();
  const sim = runSimulator(
    [
      "--scenario",
      "pilot",
      "--days",
      String(DAYS),
      "--seed",
      "7",
      "--speed",
      "max",
      "--mqtt-url",
      broker.url,
      "--ledger",
      ledger,
      "--state-dir",
      join(dir, "sim"),
    ],
    { HRVEND_DEPLOYMENT_SECRET: secret },
  );
  const periods = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM coverage.period_count`.execute(tdb.db)).rows[0]
      ?.n ?? 0;
  await until("coverage periods", periods, (n) => n > 200, 120_000);
  await coverage.kill("SIGKILL"); // mid-run: it resumes from its committed position
  coverage = await startService("coverage", env, "coverage");
  const code = await sim.exited;
  if (code !== 0) throw new Error(`simulator failed:\n${sim.output()}`);
  const simDone = Date.now();

  facts = ledgerFacts(ledger);
  const nc = await natsConnect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  const inStream = async () => (await jsm.streams.info("HR_EVENTS")).state.messages;
  const events = facts.filter((f) => f.fact === "event").length;
  await until("all events in the stream", inStream, (n) => n === events, 180_000);
  const streamDone = Date.now();
  const last = (await jsm.streams.info("HR_EVENTS")).state.last_seq;
  await nc.close();
  const position = async () =>
    Number(
      (
        await sql<{
          s: string;
        }>`SELECT stream_seq AS s FROM ingest.stream_position WHERE consumer = 'coverage'`.execute(tdb.db)
      ).rows[0]?.s,
    );
  await until("coverage at the end of the stream", position, (n) => n === last, 180_000);
  const behind = async () =>
    (
      await sql<{ behind: boolean }>`
        SELECT published_revision < figure_revision AS behind FROM coverage.publish_state`.execute(tdb.db)
    ).rows[0]?.behind;
  await until("the suppressed publication", behind, (b) => b === false, 120_000);
  console.log(
    `all events in the stream ${((streamDone - simDone) / 1000).toFixed(1)} s after the simulator finished; coverage caught up and published ${((Date.now() - streamDone) / 1000).toFixed(1)} s later`,
  );
  console.log(
    `pilot ${DAYS} days: ${last} events through the pipeline and coverage in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}, 600_000);

describe("coverage service through the real pipeline (pilot, 90 days, coverage SIGKILLed mid-run)", () => {
  it("every figure before suppression equals the one computed from the ledger", async () => {
    const expected = coverageFromLedger(facts);
    const compared = await reconcileCoverage(tdb.db, facts);
    // The quarter holds real figures: clients, syringes, OAT, naloxone in every prison.
    const q1 = expected.filter(
      (f) => f.grain === "quarter" && f.periodStart === "2026-01-01" && f.scope !== "*",
    );
    expect(q1.length).toBe(8);
    for (const f of q1) {
      expect(f.nspClients).toBeGreaterThan(5);
      expect(f.oatActiveEnd).toBeGreaterThan(5);
    }
    const programme = expected.find(
      (f) => f.grain === "quarter" && f.periodStart === "2026-01-01" && f.scope === "*",
    );
    console.log(
      "Q1 2026 (pilot, before suppression):\n" +
        [...q1, ...(programme ? [programme] : [])]
          .map(
            (f) =>
              `  ${f.scope.padEnd(7)} clients ${f.nspClients} (new ${f.nspNew}) reach ${f.nspReachPct?.toFixed(1)}% regular ${f.regularPct?.toFixed(1)}% syringes/PWID/yr ${f.syringesPerPwidYear?.toFixed(0)} (${f.syringeBand}) naloxone/100 ${f.naloxonePer100Prisoners?.toFixed(1)} per 100 releases ${f.naloxonePer100Releases?.toFixed(1)} OAT ${f.oatActiveEnd} reach ${f.oatReachPct?.toFixed(1)}% (${f.oatBand})`,
          )
          .join("\n"),
    );
    console.log(`compared ${compared} values in ${expected.length} figure rows`);
  });

  it("funder views: quarters and years only, no visible count 1–4, and the attacker's LP audit finds no small count narrowed", async () => {
    const reference = new Map(
      coverageFromLedger(facts).map((f) => [`${f.grain}|${f.periodStart}|${f.scope}`, f] as const),
    );
    const funder = createDb(tdb.roleUrl("hrvend_funder"), { max: 1 });
    try {
      const rows = await sql<FunderRow>`
        SELECT *, period_start::text AS period_start, period_end::text AS period_end FROM funder.coverage`.execute(
        funder,
      );
      expect(new Set(rows.rows.map((r) => r.grain))).toEqual(new Set(["quarter", "year"]));
      const audit = await auditPublication(
        rows.rows,
        (r) => reference.get(`${r.grain}|${r.period_start}|${r.prison_id}`),
        5,
        10,
      );
      expect(audit.failures).toEqual([]);
      expect(audit.small).toBeGreaterThan(0);
      // The quarter's headline stays readable: most prisons' NSP clients and reach are shown.
      const q1 = rows.rows.filter((r) => r.grain === "quarter" && r.period_start === "2026-01-01");
      expect(
        q1.filter((r) => r.nsp_clients !== null && r.nsp_reach_pct !== null).length,
      ).toBeGreaterThanOrEqual(7);
    } finally {
      await funder.destroy();
    }
  });

  it("as the Grafana and funder roles, no card token or OAT client token can be selected", async () => {
    const tokens = new Set<string>();
    for (const f of facts) {
      const e = (f as { event?: { cardToken?: string; clientToken?: string } }).event;
      if (e?.cardToken) tokens.add(e.cardToken);
      if (e?.clientToken) tokens.add(e.clientToken);
    }
    expect(tokens.size).toBeGreaterThan(500);
    // The service's own tables do hold them (so the scan below could find them).
    const own = await sql<{ n: number }>`SELECT count(*)::int AS n FROM coverage.card_period`.execute(tdb.db);
    expect(own.rows[0]?.n).toBeGreaterThan(1000);
    for (const role of [
      "hrvend_admin_national",
      "hrvend_outreach",
      "hrvend_operator",
      "hrvend_funder",
    ] as const) {
      const db = createDb(tdb.roleUrl(role), { max: 1 });
      try {
        for (const q of [
          sql`SELECT card_token FROM coverage.card_period LIMIT 1`,
          sql`SELECT card_token FROM coverage.card LIMIT 1`,
          sql`SELECT client_token FROM coverage.oat_event LIMIT 1`,
          sql`SELECT event FROM coverage.pending LIMIT 1`,
          sql`SELECT payload FROM ingest.raw_event LIMIT 1`,
        ])
          await expect(q.execute(db), role).rejects.toThrow(/permission denied/);
        // Every relation the role can read, read whole: no token in any value.
        const readable = await sql<{ rel: string }>`
          SELECT format('%I.%I', n.nspname, c.relname) AS rel
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE '\\_timescaledb%' AND n.nspname <> 'timescaledb_information'
            AND n.nspname <> 'timescaledb_experimental'
            AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')`.execute(db);
        const rels = readable.rows.map((r) => r.rel);
        // The scan below must read something: the funder its publication, the others their own views.
        if (role === "hrvend_funder") expect(rels, role).toContain("funder.coverage");
        else expect(rels.length, role).toBeGreaterThan(0);
        for (const rel of rels) {
          const all = await sql<{ t: string }>`SELECT t::text AS t FROM ${sql.raw(rel)} t`.execute(db);
          const leaked = all.rows.filter((r) => [...tokens].some((tok) => r.t.includes(tok)));
          expect(leaked.length, `${role} reads a token in ${rel}`).toBe(0);
        }
        const cols = await sql<{ c: string }>`
          SELECT table_schema || '.' || table_name || '.' || column_name AS c FROM information_schema.columns
          WHERE column_name ~* '(token|uid)$|^card|^client' AND table_schema NOT IN ('pg_catalog', 'information_schema')`.execute(
          db,
        );
        expect(
          cols.rows.map((r) => r.c),
          role,
        ).toEqual([]);
      } finally {
        await db.destroy();
      }
    }
  });

  it("hrvend report coverage renders the funder figures; headless Chromium shows the table and the charts", async () => {
    const report = (format: string, out: string) =>
      spawnSync(
        process.execPath,
        [
          "services/cli/bin/hrvend.js",
          "report",
          "coverage",
          "--from",
          "2026-01-01",
          "--to",
          "2026-03-31",
          "--format",
          format,
          "--out",
          out,
          "--database-url",
          tdb.roleUrl("hrvend_funder"),
        ],
        {
          cwd: join(import.meta.dirname, "../.."),
          encoding: "utf8",
          env: { PATH: inheritedPath() },
        },
      );
    const json = report("json", join(dir, "r.json"));
    expect(json.status, json.stderr).toBe(0);
    const data = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as { figures: { prisonId: string }[] };
    expect(data.figures.filter((f) => f.prisonId !== "*").length).toBe(8);
    // One prison by year: none lies wholly in Q1; by quarter, its row and the programme's.
    const one = spawnSync(
      process.execPath,
      [
        "services/cli/bin/hrvend.js",
        "report",
        "coverage",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--prison",
        "md-p7",
        "--grain",
        "quarter",
        "--format",
        "json",
        "--database-url",
        tdb.roleUrl("hrvend_funder"),
      ],
      { cwd: join(import.meta.dirname, "../.."), encoding: "utf8", env: { PATH: inheritedPath() } },
    );
    expect(one.status, one.stderr).toBe(0);
    const quarters = JSON.parse(one.stdout) as {
      hiddenSymbol: string;
      figures: { prisonId: string; periodStart: string; suppressed: string[]; [k: string]: unknown }[];
    };
    expect(quarters.figures.map((f) => `${f.periodStart} ${f.prisonId}`)).toEqual([
      "2026-01-01 md-p7",
      "2026-01-01 *",
    ]);
    // One symbol for every hidden value in JSON; no figure is null where it is hidden.
    for (const f of data.figures as unknown as { suppressed: string[]; [k: string]: unknown }[])
      for (const c of f.suppressed) expect(f[c]).toBe(quarters.hiddenSymbol);
    const month = spawnSync(
      process.execPath,
      [
        "services/cli/bin/hrvend.js",
        "report",
        "coverage",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--grain",
        "month",
      ],
      { cwd: join(import.meta.dirname, "../.."), encoding: "utf8", env: { PATH: inheritedPath() } },
    );
    expect(month.status).not.toBe(0);
    expect(month.stderr).toMatch(/quarter, year/);
    const unknown = spawnSync(
      process.execPath,
      [
        "services/cli/bin/hrvend.js",
        "report",
        "coverage",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--prison",
        "nowhere",
        "--database-url",
        tdb.roleUrl("hrvend_funder"),
      ],
      { cwd: join(import.meta.dirname, "../.."), encoding: "utf8", env: { PATH: inheritedPath() } },
    );
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no quarter figures for prison 'nowhere'.*md-p13/);
    const csv = report("csv", join(dir, "r.csv"));
    expect(csv.status, csv.stderr).toBe(0);
    expect(readFileSync(join(dir, "r.csv"), "utf8").split("\n")[0]).toMatch(/^prison_id,/);
    const htmlPath = join(dir, "r.html");
    const html = report("html", htmlPath);
    expect(html.status, html.stderr).toBe(0);
    const doc = readFileSync(htmlPath, "utf8");
    expect(chromiumAvailable(), "Debian's chromium is provisioned").toBe(true);
    const png = await screenshotHtml(doc, join(dir, "report.png"), 1200);
    copyFileSync(join(dir, "report.png"), join(tmpdir(), "hrvend-coverage-report.png")); // for a person to look at
    // PNG signature and a page taller than one screen (table, charts, definitions).
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.readUInt32BE(20)).toBeGreaterThan(1200);
    const seen = await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await page.setContent(doc, { waitUntil: "load" });
      const box = async (sel: string) =>
        (await page.locator(sel).first().boundingBox()) ?? { width: 0, height: 0 };
      return {
        rows: await page.locator("table.coverage tbody tr").count(),
        charts: await page.locator("svg.chart").count(),
        bars: await page.locator("svg.chart rect.bar").count(),
        bandLines: await page.locator("svg.chart line.band").count(),
        table: await box("table.coverage"),
        chart: await box("svg.chart"),
      };
    });
    expect(seen.rows).toBe(9);
    expect(seen.charts).toBe(3);
    expect(seen.bars).toBeGreaterThanOrEqual(3 * 8 - 8);
    expect(seen.bandLines).toBeGreaterThanOrEqual(4);
    expect(seen.table.height).toBeGreaterThan(100);
    expect(seen.chart.width).toBeGreaterThan(200);
    // The same report printed to PDF by Chromium.
    const pdf = report("pdf", join(dir, "r.pdf"));
    expect(pdf.status, pdf.stderr).toBe(0);
    expect(readFileSync(join(dir, "r.pdf")).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("hrvend coverage estimates --from-scenario pilot: figures name the scenario's estimates and equal the ledger's", async () => {
    const run = spawnSync(
      process.execPath,
      [
        "services/cli/bin/hrvend.js",
        "coverage",
        "estimates",
        "--from-scenario",
        "pilot",
        "--database-url",
        tdb.roleUrl("hrvend_writer"),
      ],
      { cwd: join(import.meta.dirname, "../.."), encoding: "utf8", env: { PATH: inheritedPath() } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/loaded 8 estimate\(s\)/);
    const rows = await sql<{ scope: string; est_pwid: number; estimate_source: string }>`
      SELECT scope, est_pwid, estimate_source FROM coverage.figure
      WHERE grain = 'quarter' AND period_start = '2026-01-01' AND scope <> '*'`.execute(tdb.db);
    const want = new Map(
      coverageFromLedger(facts)
        .filter((f) => f.grain === "quarter" && f.periodStart === "2026-01-01")
        .map((f) => [f.scope, f.estPwid]),
    );
    expect(rows.rows.length).toBe(8);
    for (const r of rows.rows) {
      expect(r.estimate_source).toMatch(/^scenario pilot: modelled prevalence/);
      expect(r.est_pwid).toBeCloseTo(want.get(r.scope) ?? Number.NaN, 9);
    }
    const funder = createDb(tdb.roleUrl("hrvend_funder"), { max: 1 });
    try {
      const used = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM funder.prevalence_estimate WHERE source LIKE 'scenario pilot%'`.execute(
        funder,
      );
      expect(used.rows[0]?.n).toBe(8);
    } finally {
      await funder.destroy();
    }
  });
});
