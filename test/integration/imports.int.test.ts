import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devicePassword } from "@hrvend/devices";
import { type MqttUser, sourceUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { mqttTopic } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hrvend } from "../support/cli";
import { isolate, mqttAccounts, type TestDatabase, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

/**
 * `hrvend import census` and `hrvend import oat` (issue #17) through the real pipeline: the
 * command publishes over the real broker with each office's own account, the gateway checks the
 * contract into JetStream, the recorder stores the events and the coverage service computes its
 * figures. The figures are compared with a reference computed here from the files with
 * docs/domain.md's definitions; importing the same files again publishes nothing; a corrected file
 * supersedes; and no raw client id of the OAT register is found anywhere: not in any table, any
 * stream message, the services' logs or the command's output.
 */
const iso = isolate("imports");
const P1 = iso.prison("p1");
const P2 = iso.prison("p2");
const PRISONS: Record<string, { timeZone: string; opioid: number }> = {
  [P1]: { timeZone: "Europe/Chisinau", opioid: 0.08 },
  // UTC+14: an instant's UTC date is not its local date.
  [P2]: { timeZone: "Pacific/Kiritimati", opioid: 0.05 },
};
const prisonOf = (id: string) => PRISONS[id] as { timeZone: string; opioid: number };
const REGISTRY = `${iso.tag}-reg`;
const streams = {
  events: iso.stream("events"),
  eventSubjects: [`hr.v1.${P1}.>`, `hr.v1.${P2}.>`],
  dead: iso.stream("dead"),
  deadPrefix: `hr.dead.${iso.tag}`,
};
const SECRET = `imports-secret-${iso.tag}-0123456789`;
const dir = mkdtempSync(join(tmpdir(), "hrvend-imports-"));
const services: ServiceProcess[] = [];
const outputs: CliResult[] = [];
let tdb: TestDatabase;

// ---------------------------------------------------------------- the files (what an office exports)

interface CensusDay {
  prison: string;
  date: string;
  population: number;
  admissions: number;
  releases: number;
}
interface RegisterRow {
  id: string;
  prison: string;
  date: string;
  event: "enrol" | "dose" | "discharge";
  medicine: string;
  dose?: number;
  reason?: string;
}

const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
const Q1_DAYS = 90; // 2026-01-01 … 2026-03-31

function censusDays(): CensusDay[] {
  const out: CensusDay[] = [];
  for (let i = 0; i < Q1_DAYS; i++)
    out.push({ prison: P1, date: day(i), population: 800 + (i % 7) * 3, admissions: i % 5, releases: i % 4 });
  // P2 reports from February only, and misses every tenth day.
  for (let i = 31; i < Q1_DAYS; i++)
    if (i % 10 !== 0)
      out.push({ prison: P2, date: day(i), population: 140 + (i % 3), admissions: i % 2, releases: i % 3 });
  return out;
}

/** The health units' own client ids: what must never leave the import. */
const clientId = (prison: string, n: number) =>
  `${prison === P1 ? "MD13" : "KI02"}-CLIENT-${String(n).padStart(4, "0")}`;

function register(): RegisterRow[] {
  const rows: RegisterRow[] = [];
  const until = (from: string, to: string, each: (d: string) => void) => {
    for (
      let d = from;
      d <= to;
      d = new Date(Date.parse(`${d}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10)
    )
      each(d);
  };
  for (let n = 1; n <= 12; n++) {
    const id = clientId(P1, n);
    const enrol = day(n * 2 - 1);
    rows.push({ id, prison: P1, date: enrol, event: "enrol", medicine: "methadone", dose: 60 + n * 5 });
    const discharge = n % 4 === 0 ? day(31 + n) : n === 3 ? day(73) : undefined;
    until(day(n * 2), discharge ?? day(Q1_DAYS - 1), (d) => {
      if (d !== discharge)
        rows.push({ id, prison: P1, date: d, event: "dose", medicine: "methadone", dose: 60 + n * 5 });
    });
    if (discharge)
      rows.push({
        id,
        prison: P1,
        date: discharge,
        event: "discharge",
        medicine: "methadone",
        reason: n === 3 ? "completed" : "released",
      });
    // Client 4 comes back in March.
    if (n === 4)
      rows.push({ id, prison: P1, date: day(68), event: "enrol", medicine: "methadone", dose: 70 });
  }
  for (let n = 1; n <= 5; n++) {
    const id = clientId(P2, n);
    rows.push({ id, prison: P2, date: day(31 + n * 3), event: "enrol", medicine: "buprenorphine", dose: 8 });
    if (n === 2)
      rows.push({
        id,
        prison: P2,
        date: day(59),
        event: "discharge",
        medicine: "buprenorphine",
        reason: "transferred",
      });
  }
  return rows;
}

/** A spreadsheet's export: BOM, CRLF, ';', headers in mixed case, day-first dates on some rows. */
function censusCsv(days: CensusDay[]): string {
  const lines = ["Prison;Date;Population;Admissions;Releases"];
  for (const [i, d] of days.entries()) {
    const date = i % 3 === 0 ? d.date.split("-").reverse().join(".") : d.date;
    lines.push([d.prison, date, d.population, d.admissions, d.releases].join(";"));
  }
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

function registerCsv(rows: RegisterRow[]): string {
  const lines = ["Client ID,Prison,Date,Event,Medicine,Dose (mg),Discharge reason"];
  for (const r of rows)
    lines.push([r.id, r.prison, r.date, r.event, r.medicine, r.dose ?? "", r.reason ?? ""].join(","));
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------- the reference (docs/domain.md)

interface Expected {
  scope: string;
  daysObserved: number;
  avgPopulation: number | null;
  admissions: number;
  releases: number;
  oatActiveEnd: number;
  estOpioidDependent: number | null;
  oatReachPct: number | null;
}

const PERIODS = [
  { grain: "month", start: "2026-01-01", end: "2026-01-31" },
  { grain: "month", start: "2026-02-01", end: "2026-02-28" },
  { grain: "month", start: "2026-03-01", end: "2026-03-31" },
  { grain: "quarter", start: "2026-01-01", end: "2026-03-31" },
] as const;

/**
 * Per prison and period: estimated opioid-dependent = average census population × the prison's
 * prevalence; OAT clients active at the end of the period = those whose last enrolment or
 * discharge on or before its last day is an enrolment (a day's enrolment before its discharge);
 * OAT reach % = active / estimated opioid-dependent × 100. The programme: its prisons' sums.
 */
function reference(days: CensusDay[], rows: RegisterRow[], p: (typeof PERIODS)[number]): Expected[] {
  const out: Expected[] = [];
  const order = { enrol: 0, dose: 1, discharge: 2 };
  for (const prison of [P1, P2]) {
    const census = days.filter((d) => d.prison === prison && d.date >= p.start && d.date <= p.end);
    const status = new Map<string, string>();
    for (const r of rows
      .filter((x) => x.prison === prison && x.event !== "dose" && x.date <= p.end)
      .sort((a, b) => (a.date === b.date ? order[a.event] - order[b.event] : a.date < b.date ? -1 : 1)))
      status.set(r.id, r.event);
    const active = [...status.values()].filter((s) => s === "enrol").length;
    const avg = census.length ? census.reduce((n, d) => n + d.population, 0) / census.length : null;
    const est = avg === null ? null : avg * prisonOf(prison).opioid;
    out.push({
      scope: prison,
      daysObserved: census.length,
      avgPopulation: avg,
      admissions: census.reduce((n, d) => n + d.admissions, 0),
      releases: census.reduce((n, d) => n + d.releases, 0),
      oatActiveEnd: active,
      estOpioidDependent: est,
      oatReachPct: est === null ? null : (100 * active) / est,
    });
  }
  return out;
}

// ---------------------------------------------------------------- running things

const q = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(tdb.db)).rows;

async function importFile(kind: "census" | "oat", text: string, name: string, ...extra: string[]) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = await hrvend(
    [
      "import",
      kind,
      file,
      "--json",
      "--database-url",
      tdb.roleUrl("hrvend_writer"),
      "--mqtt-url",
      iso.servers.mqttUrl,
      "--wait",
      "120",
      ...extra,
    ],
    { HRVEND_DEPLOYMENT_SECRET: SECRET, HRVEND_STATE_DIR: join(dir, "no-stack") },
  );
  outputs.push(r);
  return { ...r, report: r.stdout.trim().startsWith("{") ? JSON.parse(r.stdout) : undefined };
}

async function lastSeq(stream: string): Promise<number> {
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.last_seq;
  } finally {
    await nc.close();
  }
}

/** Waits until coverage has applied the whole stream and recomputed its figures. */
async function coverageCaughtUp(): Promise<void> {
  const last = await lastSeq(streams.events);
  await expect
    .poll(
      async () =>
        Number(
          (
            await q(sql<{ s: string }>`
              SELECT stream_seq AS s FROM ingest.stream_position WHERE consumer = ${`coverage-${iso.tag}`}`)
          )[0]?.s ?? 0,
        ),
      { timeout: 120_000, interval: 300 },
    )
    .toBe(last);
}

async function figures(): Promise<Map<string, Record<string, number | null | string>>> {
  const rows = await q(sql<Record<string, number | null | string>>`
    SELECT scope, grain, period_start::text AS period_start, days_observed, avg_population, admissions, releases,
           oat_active_end, est_opioid_dependent, oat_reach_pct
    FROM coverage.figure WHERE scope IN (${P1}, ${P2}, '*')`);
  return new Map(rows.map((r) => [`${r["scope"]}|${r["grain"]}|${r["period_start"]}`, r]));
}

async function expectFigures(days: CensusDay[], rows: RegisterRow[]): Promise<number> {
  const got = await figures();
  let compared = 0;
  for (const p of PERIODS) {
    const ref = reference(days, rows, p);
    for (const e of ref) {
      const f = got.get(`${e.scope}|${p.grain}|${p.start}`);
      if (e.daysObserved === 0 && e.oatActiveEnd === 0) {
        expect(f, `${e.scope} ${p.grain} ${p.start}: no figure`).toBeUndefined();
        continue;
      }
      const what = `${e.scope} ${p.grain} ${p.start}`;
      expect(f, what).toBeDefined();
      expect(f?.["days_observed"], `${what} days observed`).toBe(e.daysObserved);
      expect(f?.["admissions"], `${what} admissions`).toBe(e.admissions);
      expect(f?.["releases"], `${what} releases`).toBe(e.releases);
      expect(f?.["oat_active_end"], `${what} OAT active at the end`).toBe(e.oatActiveEnd);
      for (const [col, v] of [
        ["avg_population", e.avgPopulation],
        ["est_opioid_dependent", e.estOpioidDependent],
        ["oat_reach_pct", e.oatReachPct],
      ] as const) {
        if (v === null) expect(f?.[col], `${what} ${col}`).toBeNull();
        else expect(f?.[col] as number, `${what} ${col}`).toBeCloseTo(v, 9);
      }
      compared++;
    }
    // The programme: the prisons' census days, averages summed, active clients summed.
    const prog = got.get(`*|${p.grain}|${p.start}`);
    const dates = new Set(days.filter((d) => d.date >= p.start && d.date <= p.end).map((d) => d.date));
    expect(prog?.["days_observed"], `programme ${p.grain} ${p.start}`).toBe(dates.size);
    expect(prog?.["oat_active_end"], `programme ${p.grain} ${p.start}`).toBe(
      ref.reduce((n, e) => n + e.oatActiveEnd, 0),
    );
    expect(prog?.["avg_population"] as number).toBeCloseTo(
      ref.reduce((n, e) => n + (e.avgPopulation ?? 0), 0),
      9,
    );
  }
  return compared;
}

/**
 * The broker's accounts for this file: the gateway, the registry, and the offices as a
 * deployment has them (infra/deploy/mosquitto/accounts.example.sh), each its own kinds under its
 * own prison and id, password derived from the deployment secret; `except` leaves one out.
 */
function accounts(except?: string): MqttUser[] {
  const offices: MqttUser[] = [P1, P2].flatMap((p) => [
    sourceUser(p, "census_office", `${p}-census`, devicePassword(SECRET, `${p}-census`)),
    sourceUser(p, "health_unit", `${p}-health`, devicePassword(SECRET, `${p}-health`)),
  ]);
  return [
    { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P1}/#`, `hr/v1/${P2}/#`] },
    sourceUser([P1, P2], "registry", REGISTRY, "reg"),
    ...offices.filter((o) => o.username !== except),
  ];
}

beforeAll(async () => {
  tdb = await testDatabase(iso);
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  await ensureStreams(await jetstreamManager(nc), streams);
  await nc.close();
  await mqttAccounts(iso, accounts());
  const stream = {
    NATS_URL: iso.servers.natsUrl,
    DATABASE_URL: tdb.roleUrl("hrvend_writer"),
    EVENTS_STREAM: streams.events,
    METRICS_PORT: "0",
  };
  services.push(
    await startService(
      "gateway",
      {
        MQTT_URL: iso.servers.mqttUrl,
        MQTT_USERNAME: `${iso.tag}-gw`,
        MQTT_PASSWORD: "gw",
        MQTT_SHARE_GROUP: `ingest-${iso.tag}`,
        MQTT_FILTERS: `hr/v1/${P1}/#,hr/v1/${P2}/#`,
        NATS_URL: iso.servers.natsUrl,
        EVENTS_STREAM: streams.events,
        EVENTS_SUBJECTS: streams.eventSubjects.join(","),
        DEAD_STREAM: streams.dead,
        DEAD_SUBJECT_PREFIX: streams.deadPrefix,
        GATEWAY_ID: `${iso.tag}-gw`,
        METRICS_PORT: "0",
      },
      `gateway-${iso.tag}`,
    ),
  );
  services.push(
    await startService(
      "recorder",
      { ...stream, DEAD_STREAM: streams.dead, CONSUMER: `recorder-${iso.tag}` },
      `recorder-${iso.tag}`,
    ),
  );
  services.push(
    await startService("coverage", { ...stream, CONSUMER: `coverage-${iso.tag}` }, `coverage-${iso.tag}`),
  );

  // The registry's prisons (what `hrvend registry apply` publishes), from the registry's account.
  const reg = await mqtt.connectAsync(iso.servers.mqttUrl, {
    username: REGISTRY,
    password: "reg",
    clientId: REGISTRY,
    clean: true,
  });
  for (const [i, prison] of [P1, P2].entries()) {
    const e = {
      v: 1,
      kind: "ref_prison",
      prisonId: prison,
      sourceId: REGISTRY,
      seq: i + 1,
      time: "2025-12-01T09:00:00Z",
      name: `Prison ${i + 1}`,
      timeZone: prisonOf(prison).timeZone,
      capacity: 1000,
      injectingPrevalence: 0.1,
      opioidDependencePrevalence: prisonOf(prison).opioid,
      oatCapacity: 50,
    };
    await reg.publishAsync(
      mqttTopic({ prisonId: prison, sourceId: REGISTRY, kind: "ref_prison" }),
      JSON.stringify(e),
      {
        qos: 1,
      },
    );
  }
  await reg.endAsync();
  // expect.poll works only inside a test.
  const deadline = Date.now() + 60_000;
  const refs = async () =>
    (
      await q(sql<{ n: number }>`SELECT count(*)::int AS n FROM ingest.raw_event WHERE kind = 'ref_prison'`)
    )[0]?.n;
  while ((await refs()) !== 2) {
    if (Date.now() > deadline) throw new Error("the registry's prisons were not recorded within 60 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}, 240_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.kill("SIGTERM")));
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hrvend import census and oat through the real pipeline", () => {
  const days = censusDays();
  const rows = register();
  const census = censusCsv(days);
  const oat = registerCsv(rows);

  it("imports the census and the register; coverage equals the reference computed from the files", async () => {
    const c = await importFile("census", census, "census.csv");
    expect(c.code, c.stderr).toBe(0);
    expect(c.report).toMatchObject({
      rows: days.length,
      invalid: 0,
      new: days.length,
      published: days.length,
      recorded: days.length,
    });
    const o = await importFile("oat", oat, "oat.csv");
    expect(o.code, o.stderr).toBe(0);
    expect(o.report).toMatchObject({
      rows: rows.length,
      invalid: 0,
      new: rows.length,
      published: rows.length,
      recorded: rows.length,
    });
    await coverageCaughtUp();
    // Every prison's month and quarter (P2 has no January).
    expect(await expectFigures(days, rows)).toBe(7);
    // The register's events came from each prison's health unit, with tokens of the contract's shape.
    const sources = await q(sql<{ source_id: string; n: number }>`
      SELECT source_id, count(*)::int AS n FROM ingest.raw_event WHERE kind IN ('census', 'oat') GROUP BY 1 ORDER BY 1`);
    expect(sources).toEqual(
      [
        { source_id: `${P1}-census`, n: days.filter((d) => d.prison === P1).length },
        { source_id: `${P1}-health`, n: rows.filter((r) => r.prison === P1).length },
        { source_id: `${P2}-census`, n: days.filter((d) => d.prison === P2).length },
        { source_id: `${P2}-health`, n: rows.filter((r) => r.prison === P2).length },
      ].sort((a, b) => (a.source_id < b.source_id ? -1 : 1)),
    );
  }, 300_000);

  it("importing the same files again publishes nothing and changes nothing", async () => {
    const before = { events: await lastSeq(streams.events), figures: await figures() };
    const c = await importFile("census", census, "census-again.csv");
    const o = await importFile("oat", oat, "oat-again.csv");
    expect(c.report).toMatchObject({ new: 0, changed: 0, unchanged: days.length, published: 0 });
    expect(o.report).toMatchObject({ new: 0, changed: 0, unchanged: rows.length, published: 0 });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await lastSeq(streams.events)).toBe(before.events);
    expect(await figures()).toEqual(before.figures);
  }, 120_000);

  it("a corrected file supersedes: changed rows replace what was imported, new rows add", async () => {
    const fixedDays = days.map((d) =>
      d.prison === P1 && d.date === "2026-03-15" ? { ...d, population: d.population + 40 } : d,
    );
    fixedDays.push({ prison: P2, date: day(70), population: 150, admissions: 1, releases: 0 }); // a missed day filed late
    const before = await lastSeq(streams.events);
    const dry = await importFile("census", censusCsv(fixedDays), "census-dry.csv", "--dry-run");
    expect(dry.report).toMatchObject({ dryRun: true, new: 1, changed: 1, published: 0 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await lastSeq(streams.events)).toBe(before);
    const c = await importFile("census", censusCsv(fixedDays), "census-fixed.csv");
    expect(await lastSeq(streams.events)).toBeGreaterThan(before);
    expect(c.report).toMatchObject({
      new: 1,
      changed: 1,
      unchanged: days.length - 1,
      published: 2,
      recorded: 2,
    });
    expect(c.report.changes.find((x: { change: string }) => x.change === "changed")).toMatchObject({
      prison: P1,
      date: "2026-03-15",
      fields: [
        `population: ${days.find((d) => d.prison === P1 && d.date === "2026-03-15")?.population} → ${fixedDays.find((d) => d.prison === P1 && d.date === "2026-03-15")?.population}`,
      ],
    });
    // The register: a dose corrected, and client 1 discharged on the last day of the quarter.
    const dose = rows.findIndex((r) => r.event === "dose" && r.id === clientId(P1, 2));
    const fixedRows = rows.map((r, i) => (i === dose ? { ...r, dose: 99 } : r));
    fixedRows.push({
      id: clientId(P1, 1),
      prison: P1,
      date: "2026-03-31",
      event: "discharge",
      medicine: "methadone",
      reason: "released",
    });
    const o = await importFile("oat", registerCsv(fixedRows), "oat-fixed.csv");
    expect(o.report).toMatchObject({ new: 1, changed: 1, published: 2, recorded: 2 });
    await coverageCaughtUp();
    expect(await expectFigures(fixedDays, fixedRows)).toBe(7);
    // The latest recorded dose for that key is the corrected one.
    const doses = await q(sql<{ dose: number }>`
      SELECT (payload->>'doseMg')::float AS dose FROM ingest.raw_event
      WHERE source_id = ${`${P1}-health`} AND payload->>'action' = 'dose'
        AND (payload->>'time')::timestamptz = ${`${rows[dose]?.date}T12:00:00+02:00`}::timestamptz
        AND payload->>'clientToken' = (SELECT payload->>'clientToken' FROM ingest.raw_event
                                       WHERE source_id = ${`${P1}-health`} AND payload->>'action' = 'dose'
                                       AND (payload->>'doseMg')::float = 99)
      ORDER BY seq`);
    expect(doses.map((d) => d.dose)).toEqual([rows[dose]?.dose, 99]);
  }, 300_000);

  it("applies nothing from a file with an invalid row, names line and column but never the client id; --skip-invalid applies the rest", async () => {
    const before = await lastSeq(streams.events);
    const bad = clientId(P1, 99);
    const good = clientId(P1, 98);
    const text = registerCsv([
      ...rows.slice(0, 3),
      { id: good, prison: P1, date: "2026-03-20", event: "enrol", medicine: "methadone", dose: 40 },
      { id: bad, prison: P1, date: "2026-03-32", event: "enrol", medicine: "methadone", dose: 40 },
    ]);
    const refused = await importFile("oat", text, "oat-bad.csv");
    expect(refused.code).toBe(1);
    expect(refused.report).toMatchObject({ invalid: 1, stopped: true, published: 0 });
    expect(refused.report.problems).toEqual([{ line: 6, column: "date", problem: expect.any(String) }]);
    const plain = await hrvend(
      [
        "import",
        "oat",
        join(dir, "oat-bad.csv"),
        "--database-url",
        tdb.roleUrl("hrvend_writer"),
        "--mqtt-url",
        iso.servers.mqttUrl,
      ],
      { HRVEND_DEPLOYMENT_SECRET: SECRET, HRVEND_STATE_DIR: join(dir, "no-stack") },
    );
    outputs.push(plain);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/line 6, column date/);
    expect(plain.stdout).toMatch(/NOTHING APPLIED/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await lastSeq(streams.events)).toBe(before);

    const skipped = await importFile("oat", text, "oat-skip.csv", "--skip-invalid");
    expect(skipped.code).toBe(0);
    expect(skipped.report).toMatchObject({ invalid: 1, new: 1, unchanged: 3, published: 1, recorded: 1 });
    for (const r of [refused, plain, skipped]) {
      expect(r.stdout + r.stderr).not.toContain(bad);
      expect(r.stdout + r.stderr).not.toContain(good);
    }
  }, 120_000);

  it("on the local stack (no --mqtt-url) it registers the office's broker account itself", async () => {
    // The census office of P1 has no account any more; a stack state names the run's broker.
    await mqttAccounts(iso, accounts(`${P1}-census`));
    const state = join(dir, "local-stack");
    mkdirSync(state);
    const port = Number(new URL(iso.servers.mqttUrl).port);
    const mosquitto = {
      pid: iso.servers.mosquittoPid,
      port,
      url: iso.servers.mqttUrl,
      dir: iso.servers.mosquittoDir,
      logFile: "",
    };
    writeFileSync(
      join(state, "stack.json"),
      JSON.stringify({
        stateDir: state,
        ports: { postgres: 1, nats: 1, natsMonitor: 1, mqtt: port },
        parts: { mosquitto },
      }),
    );
    const file = join(dir, "census-april.csv");
    writeFileSync(file, `prison,date,population,admissions,releases\n${P1},2026-04-01,801,2,1\n`);
    // Without the account, the deployment's way (--mqtt-url) is refused by the broker.
    const refused = await importFile("census", readFileSync(file, "utf8"), "census-april-refused.csv");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^hrvend: /);
    const r = await hrvend(
      ["import", "census", file, "--json", "--database-url", tdb.roleUrl("hrvend_writer")],
      {
        HRVEND_DEPLOYMENT_SECRET: SECRET,
        HRVEND_STATE_DIR: state,
      },
    );
    outputs.push(r);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ new: 1, published: 1, recorded: 1 });
    const stored = await q(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ingest.raw_event WHERE source_id = ${`${P1}-census`} AND payload->>'date' = '2026-04-01'`);
    expect(stored).toEqual([{ n: 1 }]);
  }, 120_000);

  it("the health unit's host imports without the deployment secret: the OAT token key and its own account's password, its own prison only", async () => {
    // The owner writes the key (HMAC-SHA256(secret, "oat-client-token-key"), docs/domain.md's
    // token rule) and hands it over with the health unit's password file; the host has no secret.
    const expectedKey = createHmac("sha256", SECRET).update("oat-client-token-key").digest();
    const keyFile = join(dir, "oat-token.key");
    const made = await hrvend(["access", "oat-key", "--out", keyFile], {
      HRVEND_DEPLOYMENT_SECRET: SECRET,
      HRVEND_STATE_DIR: join(dir, "no-stack"),
    });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout + made.stderr).not.toContain(expectedKey.toString("base64url"));
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64url").equals(expectedKey)).toBe(true);
    const pw = join(dir, "health-host-pw");
    mkdirSync(pw, { recursive: true });
    writeFileSync(join(pw, `${P1}-health`), devicePassword(SECRET, `${P1}-health`), { mode: 0o600 });

    const ids = [clientId(P1, 96), clientId(P2, 96)];
    const file = join(dir, "health-host.csv");
    writeFileSync(
      file,
      registerCsv([
        { id: ids[0] as string, prison: P1, date: "2026-04-02", event: "enrol", medicine: "methadone" },
        { id: ids[1] as string, prison: P2, date: "2026-04-02", event: "enrol", medicine: "methadone" },
      ]),
    );
    const hostEnv = { HRVEND_STATE_DIR: join(dir, "no-stack") }; // no HRVEND_DEPLOYMENT_SECRET
    const run = (...extra: string[]) =>
      hrvend(
        [
          "import",
          "oat",
          file,
          "--json",
          "--database-url",
          tdb.roleUrl("hrvend_writer"),
          "--mqtt-url",
          iso.servers.mqttUrl,
          "--mqtt-password-dir",
          pw,
          "--wait",
          "120",
          ...extra,
        ],
        hostEnv,
      );
    // Without the key file it cannot make tokens: it has no secret to derive them from.
    const noKey = await run();
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toMatch(/no deployment secret/);
    // The other prison's row (line 3) is refused: the host holds no password of P2's health unit.
    const refused = await run("--oat-key-file", keyFile);
    outputs.push(noKey, refused);
    expect(refused.code, refused.stderr).toBe(1);
    const r1 = JSON.parse(refused.stdout);
    expect(r1).toMatchObject({ stopped: true, published: 0, invalid: 1 });
    expect(r1.problems).toEqual([
      {
        line: 3,
        column: "prison",
        problem: expect.stringMatching(/not a prison this import may publish for/),
      },
    ]);
    // --prison names what it may publish even when it holds more passwords.
    writeFileSync(join(pw, `${P2}-health`), "not-p2s-password", { mode: 0o600 });
    const onlyP1 = await run("--oat-key-file", keyFile, "--prison", P1, "--skip-invalid");
    outputs.push(onlyP1);
    expect(onlyP1.code, onlyP1.stderr).toBe(0);
    const r2 = JSON.parse(onlyP1.stdout);
    expect(r2).toMatchObject({ invalid: 1, new: 1, published: 1, recorded: 1 });
    expect(r2.problems[0]).toMatchObject({ line: 3, column: "prison" });
    expect(r2.problems[0].problem).toContain(`--prison ${P1}`);
    // The token the pipeline stored is the deployment's: HMAC-SHA256(K, "<prison>:<client id>"), 128 bits.
    const token = createHmac("sha256", expectedKey)
      .update(`${P1}:${ids[0]}`)
      .digest()
      .subarray(0, 16)
      .toString("base64url");
    const stored = await q(sql<{ source: string; t: string }>`
      SELECT source_id AS source, payload->>'clientToken' AS t FROM ingest.raw_event
      WHERE kind = 'oat' AND payload->>'clientToken' = ${token}`);
    expect(stored).toEqual([{ source: `${P1}-health`, t: token }]);
    const p2Token = createHmac("sha256", expectedKey)
      .update(`${P2}:${ids[1]}`)
      .digest()
      .subarray(0, 16)
      .toString("base64url");
    const p2 = await q(sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ingest.raw_event WHERE payload->>'clientToken' = ${p2Token}`);
    expect(p2).toEqual([{ n: 0 }]);
  }, 300_000);

  it("no raw client id is anywhere: tables, stream messages, service logs, the command's output", async () => {
    await coverageCaughtUp();
    const ids = [
      ...new Set([
        ...rows.map((r) => r.id),
        clientId(P1, 98),
        clientId(P1, 99),
        clientId(P1, 96),
        clientId(P2, 96),
      ]),
    ];
    const tables = await q(sql<{ name: string }>`
      SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`);
    expect(tables.length).toBeGreaterThan(30);
    let dump = "";
    for (const t of tables) {
      const r = await q(
        sql<{ t: string | null }>`SELECT string_agg(x::text, E'\n') AS t FROM ${sql.raw(t.name)} x`,
      );
      dump += `${r[0]?.t ?? ""}\n`;
    }
    const messages: string[] = [];
    const nc = await natsConnect({ servers: iso.servers.natsUrl });
    const jsm = await jetstreamManager(nc);
    for (const s of [streams.events, streams.dead]) {
      const info = await jsm.streams.info(s);
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(s, { seq });
        if (!m) continue;
        const headers = m.header ? m.header.keys().map((k) => `${k}: ${m.header?.get(k)}`) : [];
        messages.push(`${m.subject} ${headers.join(" ")} ${m.string()}`);
      }
    }
    await nc.close();
    const streamText = messages.join("\n");
    const logs = services.map((s) => readFileSync(s.logFile, "utf8")).join("\n");
    const out = outputs.map((o) => o.stdout + o.stderr).join("\n");
    // The search can find what is there: the tokens are in the raw events and the stream.
    const token = (
      await q(sql<{ t: string }>`
      SELECT payload->>'clientToken' AS t FROM ingest.raw_event WHERE kind = 'oat' LIMIT 1`)
    )[0]?.t;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(dump).toContain(token);
    expect(streamText).toContain(token);
    expect(messages.length).toBeGreaterThan(rows.length);
    for (const id of ids) {
      expect(dump.includes(id), `${id} in a table`).toBe(false);
      expect(streamText.includes(id), `${id} in a stream message`).toBe(false);
      expect(logs.includes(id), `${id} in a service log`).toBe(false);
      expect(out.includes(id), `${id} in the command's output`).toBe(false);
    }
  }, 120_000);
});
